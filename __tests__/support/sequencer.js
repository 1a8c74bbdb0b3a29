// Runs test files in name order: the end-to-end suites share one lab and build on each other's
// cleanup (01-deploy-modes, 02-..., ...). Unit suites do not care.
const Sequencer = require('@jest/test-sequencer').default;

class ByName extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
}

module.exports = ByName;
