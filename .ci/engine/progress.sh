# Sourced by .ci/install-engine.sh (and its unit test, test/ci/engine-progress.test.ts).
# `go build` of a large module prints nothing for minutes while it compiles; these helpers say which
# piece is being built, and how long it has taken, at least every $SCAI_PROGRESS_SECONDS (30) s.

# step NAME CMD...: runs CMD with its output prefixed by "  NAME: ", a "still building" line with the
# elapsed time every $SCAI_PROGRESS_SECONDS seconds, and a closing "done in" or "FAILED after" line.
# Returns CMD's exit status.
step() {
  local name="$1"; shift
  local started; started="$(date +%s)"
  echo "engine: $name: started $(date -u +%H:%M:%S) UTC"
  # The ticker's sleep is killed with it, or it would hold the output pipe open for up to an interval.
  ( trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sleep "${SCAI_PROGRESS_SECONDS:-30}" & nap=$!; wait "$nap"
      echo "  $name: still building, $(( $(date +%s) - started )) s so far"
    done ) &
  local ticker=$! rc=0
  # PIPESTATUS, not the pipeline's status: the command's exit counts, with or without pipefail.
  { "$@" 2>&1 | sed -u "s/^/  $name: /"; rc=${PIPESTATUS[0]}; } || true
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$rc" = 0 ]; then
    echo "  $name: done in $(( $(date +%s) - started )) s"
  else
    echo "  $name: FAILED after $(( $(date +%s) - started )) s (exit $rc)"
  fi
  return "$rc"
}

# why_no_download [url]: one line saying why the official installer (or `url`, for tests) cannot be
# fetched (the driver's own check, tools/driver.ts unreachableReason), or that it can.
why_no_download() {
  SCAI_PROBE_URL="${1:-}" node -r ts-node/register/transpile-only -e '
    const d = require("./tools/driver");
    const url = process.env.SCAI_PROBE_URL || d.INSTALL_SCRIPT_URL;
    d.unreachableReason(url).then(r => console.log(r
      ? `the official download is not possible${r}`
      : `${url} is reachable: the official installer (curl -fsSL https://get.pulumi.com | sh) is the faster path`));
  ' 2>/dev/null || echo "whether the official download is possible could not be checked (no node_modules yet)"
}
