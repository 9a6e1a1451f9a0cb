#!/usr/bin/env bash
# Makes the CrossGuard pack in policy/ runnable by the engine and proves it loads:
#   1. npm ci in policy/ (its own folder, as `pulumi preview --policy-pack policy` requires),
#      skipped when policy/node_modules was installed from the same lockfile
#   2. node .ci/policy-smoke.js: start the pack the way the Pulumi CLI does (TypeScript, type-checked)
#      and check over gRPC that it serves 21 policies, advisory on dev and mandatory on prod, and reports
#      violations through both analyze and analyzeStack.
# The rules themselves are unit-tested by `npm test` (test/policy/*.test.ts), offline over every stack.
set -uo pipefail
cd "$(dirname "$0")/../policy"
stamp=node_modules/.scai-lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "policy pack: node_modules current (package-lock.json $want)"
else
  npm ci --no-audit --no-fund || exit 1
  echo "$want" > "$stamp"
fi
cd ..
node .ci/policy-smoke.js dev prod
