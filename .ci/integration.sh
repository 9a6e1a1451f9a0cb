#!/usr/bin/env bash
# Engine-backed integration suite (test/integration/*.itest.ts): the driver runs `local` on the
# real Pulumi CLI, language host and plugins in a throwaway copy of the project with a temporary
# file backend. Needs a complete engine installed first (.ci/README.md).
# Mocha's counts go to $SCAI_TEST_STATS as suite "integration", for .ci/run's totals.
set -uo pipefail
cd "$(dirname "$0")/.."

# Where the official installer and .ci/install-engine.sh put the CLI; the driver looks there too.
home="${PULUMI_HOME:-$HOME/.pulumi}"
version="$(node -p 'require("./package.json").dependencies["@pulumi/pulumi"]')"
export PATH="$home/versions/$version/bin:$home/bin:$PATH"
if ! command -v pulumi >/dev/null 2>&1; then
  echo "integration: no Pulumi CLI (not in $home/versions/$version/bin, $home/bin nor on PATH): install it first (docs/operations.md, \"The engine\")" >&2
  exit 3
fi
echo "integration: $(command -v pulumi) $(pulumi version 2>/dev/null)"

export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export SCAI_TEST_SUITE=integration
exec npx mocha --config test/integration/.mocharc.json
