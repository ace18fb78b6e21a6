const { withJose } = require('../../libs/access/jest.esm.cjs');

module.exports = withJose(require('../../jest.preset.cjs').jestConfig(__dirname, 'integration'));
