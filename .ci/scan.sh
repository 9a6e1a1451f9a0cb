#!/usr/bin/env bash
# Independent checks of every stack's Kubernetes objects with third-party scanners:
#   1. install checkov and kube-score at pinned versions (cached outside the repo, see scan-tools.sh)
#   2. render each stack's objects, captured under mocks, to one YAML file per object (.scan/rendered/<stack>/)
#   3. scan them: checkov --framework kubernetes (offline) and kube-score
#   4. print pass/fail counts per stack and scanner; exit 1 on a failure .ci/scanner-suppressions.yaml does not cover
# Needs node_modules (npm ci), python3 with venv, and Go for kube-score. Idempotent; safe to re-run.
# Usage: bash .ci/scan.sh [stack...]   (default: local dev prod)
set -uo pipefail
cd "$(dirname "$0")/.."
STACKS=("${@:-local}"); [ $# -eq 0 ] && STACKS=(local dev prod)
OUT="${SCAI_SCAN_OUT:-.scan}"
source .ci/scan-tools.sh
step() { echo; echo "=== scan: $1"; }
t0=$SECONDS

step "install scanners (checkov $CHECKOV_VERSION, kube-score $KUBE_SCORE_VERSION)"
install_checkov & ck=$!
install_kube_score & ks=$!
wait $ck || { echo "checkov install failed" >&2; exit 1; }
wait $ks || { echo "kube-score install failed" >&2; exit 1; }
echo "installs: $((SECONDS - t0)) s"

step "render ${STACKS[*]} under mocks"
t1=$SECONDS
node -r ts-node/register/transpile-only test/render-manifests.ts "$OUT/rendered" "${STACKS[@]}" || exit 1

step "scan"
# Offline: no check downloads, no Bridgecrew mapping, no PyPI update check.
export BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE
for stack in "${STACKS[@]}"; do
  mkdir -p "$OUT/results/$stack"
  # Both exit non-zero when they find something; the report below decides what counts.
  "$CHECKOV" -d "$OUT/rendered/$stack" --framework kubernetes --skip-download --quiet -o json \
    > "$OUT/results/$stack/checkov.json" 2> "$OUT/results/$stack/checkov.log"
  [ -s "$OUT/results/$stack/checkov.json" ] || { echo "checkov produced no result for $stack:" >&2; cat "$OUT/results/$stack/checkov.log" >&2; exit 1; }
  "$KUBE_SCORE" score --output-format json "$OUT/rendered/$stack"/*.yaml \
    > "$OUT/results/$stack/kube-score.json" 2> "$OUT/results/$stack/kube-score.log"
  [ -s "$OUT/results/$stack/kube-score.json" ] || { echo "kube-score produced no result for $stack:" >&2; cat "$OUT/results/$stack/kube-score.log" >&2; exit 1; }
done
echo "render + scan: $((SECONDS - t1)) s"

step "results (suppressions: .ci/scanner-suppressions.yaml)"
node .ci/scan-report.js .ci/scanner-suppressions.yaml "$OUT/results" "${STACKS[@]}"
