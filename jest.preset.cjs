// Shared jest settings. Unit tests (`*.spec.ts`) sit beside the code; integration tests
// (`*.int-spec.ts`, under each project's `test/`) run in their own target against the real stack.
const { swcConfig, jestModuleNameMapper } = require('./tools/swc-config.cjs');

const transform = { '^.+\\.ts$': ['@swc/jest', { ...swcConfig({ rewriteAliases: false }), swcrc: false }] };

/** @param {string} dir @param {'unit'|'integration'} kind */
function jestConfig(dir, kind) {
  return {
    displayName: `${require('node:path').basename(dir)}:${kind}`,
    rootDir: dir,
    testEnvironment: 'node',
    transform,
    reporters: ['default', [require.resolve('./tools/jest-summary-reporter.cjs'), { name: `${require('node:path').basename(dir)}-${kind}` }]],
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper: jestModuleNameMapper(),
    // FC_SEED / FC_PATH / FC_NUM_RUNS replay or deepen property tests (docs/testing.md).
    setupFiles: [require.resolve('./tools/jest-fast-check-setup.cjs')],
    testMatch: kind === 'unit' ? ['<rootDir>/src/**/*.spec.ts'] : ['<rootDir>/test/**/*.int-spec.ts'],
    ...(kind === 'integration'
      ? { testTimeout: 120_000, maxWorkers: 1, globalSetup: require.resolve('./tools/jest-stack-setup.cjs') }
      : { testTimeout: 20_000 }),
  };
}

module.exports = { jestConfig };
