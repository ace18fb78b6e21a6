const { withJose } = require('./jest.esm.cjs');

module.exports = withJose(require('../../jest.preset.cjs').jestConfig(__dirname, 'unit'));
