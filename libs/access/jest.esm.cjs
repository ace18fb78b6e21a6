// jose ships ES modules only, and jest (without --experimental-vm-modules) loads CommonJS: projects whose
// tests import jose (directly or through @deltastream/access) let swc compile it like our own sources.
const { swcConfig } = require('../../tools/swc-config.cjs');

/** @param {Record<string, unknown>} config a jest config from jest.preset.cjs */
function withJose(config) {
  return {
    ...config,
    transform: { ...config.transform, '/node_modules/jose/.+\\.js$': ['@swc/jest', { ...swcConfig({ rewriteAliases: false }), swcrc: false }] },
    transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  };
}

module.exports = { withJose };
