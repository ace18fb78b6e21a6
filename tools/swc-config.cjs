// One swc configuration for the build (tools/build.mjs) and for jest (jest.preset.cjs), with the
// import aliases taken from tsconfig.base.json so `paths` is declared in exactly one place.
const path = require('node:path');
const tsconfig = require('../tsconfig.base.json');

const root = path.resolve(__dirname, '..');
const aliases = tsconfig.compilerOptions.paths;

/** @param {{ rewriteAliases: boolean }} options */
function swcConfig({ rewriteAliases }) {
  return {
    sourceMaps: true,
    module: { type: 'commonjs', strict: true },
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      // Nest's dependency injection reads constructor parameter types from decorator metadata.
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
      ...(rewriteAliases ? { baseUrl: root, paths: aliases } : {}),
    },
  };
}

/** Jest moduleNameMapper entries for the same aliases. */
function jestModuleNameMapper() {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(aliases)) {
    mapper[`^${alias.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')}$`] = path.join(root, target);
  }
  return mapper;
}

module.exports = { root, swcConfig, jestModuleNameMapper };
