#!/usr/bin/env bash
# Installs the third-party manifest scanners at pinned versions into a cache folder outside the repo
# (default ~/.cache/scai-platform/scan-tools, override with SCAI_SCAN_TOOLS), skipping any already
# present at that version, and prints the path of each binary. Sourced by .ci/scan.sh.
#   checkov     from PyPI, into its own virtualenv (pip install checkov==$CHECKOV_VERSION)
#   kube-score  from its Go module (go install github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION)
# kube-linter is not used: its module path golang.stackrox.io/kube-linter is refused by the Go proxy (403).
CHECKOV_VERSION="3.3.30"
KUBE_SCORE_VERSION="v1.20.0"
SCAN_TOOLS="${SCAI_SCAN_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/scai-platform/scan-tools}"
CHECKOV="$SCAN_TOOLS/checkov-$CHECKOV_VERSION/bin/checkov"
KUBE_SCORE="$SCAN_TOOLS/kube-score-$KUBE_SCORE_VERSION/kube-score"

install_checkov() {
  if [ -x "$CHECKOV" ] && [ "$("$CHECKOV" --version 2>/dev/null)" = "$CHECKOV_VERSION" ]; then
    echo "checkov $CHECKOV_VERSION: cached at $CHECKOV"; return 0
  fi
  local venv="$SCAN_TOOLS/checkov-$CHECKOV_VERSION"
  rm -rf "$venv" && mkdir -p "$SCAN_TOOLS" || return 1
  python3 -m venv "$venv" || return 1
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" || return 1
  [ "$("$CHECKOV" --version 2>/dev/null)" = "$CHECKOV_VERSION" ] || { echo "checkov did not install at $CHECKOV_VERSION" >&2; return 1; }
  echo "checkov $CHECKOV_VERSION: installed at $CHECKOV"
}

install_kube_score() {
  if [ -x "$KUBE_SCORE" ] && "$KUBE_SCORE" version 2>/dev/null | grep -q "${KUBE_SCORE_VERSION#v}"; then
    echo "kube-score $KUBE_SCORE_VERSION: cached at $KUBE_SCORE"; return 0
  fi
  command -v go >/dev/null || { echo "kube-score needs Go (not found)" >&2; return 1; }
  mkdir -p "$(dirname "$KUBE_SCORE")" || return 1
  # -ldflags sets the version string the cache check above reads (its release builds set it the same way).
  GOBIN="$(dirname "$KUBE_SCORE")" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go install -ldflags "-s -w -X main.version=${KUBE_SCORE_VERSION#v}" "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION" || return 1
  echo "kube-score $KUBE_SCORE_VERSION: installed at $KUBE_SCORE"
}
