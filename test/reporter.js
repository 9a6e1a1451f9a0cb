// Mocha's spec reporter, plus one JSON line of mocha's own counts appended to the file named by
// $SCAI_TEST_STATS, so .ci/run can total every suite into its closing "N passed, N failed" line.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.SCAI_TEST_STATS;
      if (!file) return;
      const { passes, failures, pending } = runner.stats;
      fs.appendFileSync(file, JSON.stringify({ suite: process.env.SCAI_TEST_SUITE || "unit", passes, failures, pending }) + "\n");
    });
  }
}
module.exports = CountingSpec;
