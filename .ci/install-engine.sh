#!/usr/bin/env bash
# Builds a Pulumi engine from published Go modules, for machines that reach only package registries
# (.ci/README.md). Where the internet is reachable, the official installer (or the
# driver's PulumiCommand.install) is the normal path; this is the fallback.
#
# What the Go module proxy serves decides the versions (measured 2026-11-25):
#   CLI            github.com/pulumi/pulumi/pkg/v3 cmd/pulumi at 3.274.1: the nearest release at or after
#                  @pulumi/pulumi's 3.270.0, whose pkg/v3 module the proxy refuses (403)
#   Node.js host   sdk/v3 v3.68.0, the last release that carried it inside sdk/v3: its own module
#                  (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is refused for every version
#   kubernetes     provider/v4 at its only published pseudo-version, with upstream's `go generate`
#                  step (schema-embed.json), installed as the version of @pulumi/kubernetes
#   random         no pulumi-random provider module is served at all: the stand-in in
#                  .ci/engine/random-standin (RandomPassword only), installed as @pulumi/random's version
#   aws, docker    refused (403): not built, so only the `local` stack runs on this engine
#
# Each wrapper module under .ci/engine/ requires the upstream module and repeats the non-local
# replaces its build needs (`go install mod@version` refuses modules with replace directives):
# pkg/v3 v3.274.1 has one left, the clipboard fork (the go-diff and ssh-agent forks are gone). The
# pin of golang.org/x/text to v0.3.6 in sdk/v3 v3.68.0 is not repeated: the host builds and runs
# with the version its own requirements select. Idempotent: a piece
# already installed at its pinned version is skipped; Go's module and build caches make a rebuild
# cheap. Says which piece it is building, the elapsed time every 30 s (.ci/engine/progress.sh), and each
# build's wall time and peak memory. Exit 0 when every piece is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE_DIR="$PWD/.ci/engine"

CLI_VERSION=3.274.1
NODEJS_HOST_SDK=v3.68.0
K8S_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199
npm_version() { node -p "require('./package.json').dependencies['@pulumi/$1'].replace(/^[\\^~=v]/, '')"; }
K8S_VERSION="$(npm_version kubernetes)"
RANDOM_VERSION="$(npm_version random)"

PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
BIN="$PULUMI_HOME/versions/$CLI_VERSION/bin"
# What this script installed, and from what (plugins are shared by every CLI version).
STAMPS="$PULUMI_HOME/scai-engine-stamps"
mkdir -p "$BIN" "$STAMPS" "$PULUMI_HOME/bin"
export PATH="$BIN:$PATH" PULUMI_SKIP_UPDATE_CHECK=true GOFLAGS="${GOFLAGS:--buildvcs=false}"

command -v go >/dev/null || { echo "engine: no Go toolchain on PATH" >&2; exit 1; }
TIME=()
if [ -x /usr/bin/time ]; then TIME=(/usr/bin/time -f "%e s wall, %M KiB peak"); fi

# shellcheck source=engine/progress.sh
. "$ENGINE_DIR/progress.sh"
said_why=0
# build NAME DIR OUTPUT PACKAGE LDFLAGS: go build of PACKAGE inside wrapper module DIR, with progress
# every 30 s; the first build says why the official download is not used.
build() {
  local name="$1" dir="$2" out="$3" pkg="$4" ldflags="$5"
  if [ "$said_why" = 0 ]; then said_why=1; echo "engine: building from Go modules because $(why_no_download)"; fi
  step "building $name" bash -c 'cd "$1" && shift && "$@"' _ "$dir" "${TIME[@]}" go build -ldflags "$ldflags" -o "$out" "$pkg"
}

# stamp NAME VALUE: whether NAME was last installed as VALUE; `stamp_set` records it.
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { echo "$2" > "$STAMPS/$1"; }
tree_hash() { (cd "$1" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

# 1. The CLI.
if [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "v$CLI_VERSION" ]; then
  echo "engine: pulumi v$CLI_VERSION already at $BIN"
else
  build "pulumi CLI v$CLI_VERSION" "$ENGINE_DIR/cli" "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION"
fi
ln -sf "$BIN/pulumi" "$PULUMI_HOME/bin/pulumi"

# 2. The Node.js language host, beside the CLI (where the CLI looks first).
if [ -x "$BIN/pulumi-language-nodejs" ] && stamp_ok language-nodejs "$NODEJS_HOST_SDK"; then
  echo "engine: pulumi-language-nodejs (sdk $NODEJS_HOST_SDK) already at $BIN"
else
  build "pulumi-language-nodejs (sdk $NODEJS_HOST_SDK)" "$ENGINE_DIR/nodejs" "$BIN/pulumi-language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$NODEJS_HOST_SDK"
  stamp_set language-nodejs "$NODEJS_HOST_SDK"
fi
ln -sf "$BIN/pulumi-language-nodejs" "$PULUMI_HOME/bin/pulumi-language-nodejs"

plugin_installed() { pulumi plugin ls --json 2>/dev/null | node -e '
  const [name, version] = process.argv.slice(1);
  const list = JSON.parse(require("fs").readFileSync(0, "utf8") || "[]");
  process.exit(list.some(p => p.kind === "resource" && p.name === name && p.version === version) ? 0 : 1);
' "$1" "$2"; }

# 3. The kubernetes plugin: the published module, plus upstream's generate step, in a scratch copy.
if plugin_installed kubernetes "$K8S_VERSION" && stamp_ok kubernetes "$K8S_PSEUDO"; then
  echo "engine: kubernetes plugin $K8S_VERSION already installed"
else
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  cp "$ENGINE_DIR/kubernetes/"{go.mod,go.sum,tools.go} "$work/"
  step "downloading the kubernetes provider module $K8S_PSEUDO" bash -c 'cd "$1" && go mod download -json "$2" > mod.json' _ "$work" "$K8S_MODULE@$K8S_PSEUDO"
  src="$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Dir)' "$work/mod.json")"
  cp -r "$src" "$work/src" && chmod -R u+w "$work/src"
  # Upstream's generate.go (build-tagged `ignore`) writes the embedded schema and mapping; run it as a program.
  mkdir "$work/gen" && sed '/^\/\/go:build ignore/d;/^\/\/ +build ignore/d' "$work/src/cmd/pulumi-resource-kubernetes/generate.go" > "$work/gen/main.go"
  step "generating the kubernetes provider schema (upstream's go generate)" \
    bash -c 'cd "$1" && go build -o gen/gen ./gen && cd src/cmd/pulumi-resource-kubernetes && VERSION="$2" ../../../gen/gen' _ "$work" "$K8S_VERSION"
  build "kubernetes plugin ($K8S_PSEUDO as $K8S_VERSION)" "$work" "$work/pulumi-resource-kubernetes" \
    "$K8S_MODULE/cmd/pulumi-resource-kubernetes" "-X $K8S_MODULE/pkg/version.Version=$K8S_VERSION"
  pulumi plugin install resource kubernetes "$K8S_VERSION" --file "$work/pulumi-resource-kubernetes" --reinstall
  stamp_set kubernetes "$K8S_PSEUDO"
fi

# 4. The random stand-in, rebuilt whenever its source changes; a real random plugin is left alone.
random_hash="standin-$(tree_hash "$ENGINE_DIR/random-standin")"
if plugin_installed random "$RANDOM_VERSION" && ! [ -f "$STAMPS/random" ]; then
  echo "engine: random plugin $RANDOM_VERSION already installed, not by this script: kept"
elif plugin_installed random "$RANDOM_VERSION" && stamp_ok random "$random_hash"; then
  echo "engine: random stand-in $RANDOM_VERSION already installed"
else
  out="$(mktemp -d)/pulumi-resource-random"
  build "random stand-in (as $RANDOM_VERSION)" "$ENGINE_DIR/random-standin" "$out" . "-X main.version=$RANDOM_VERSION"
  pulumi plugin install resource random "$RANDOM_VERSION" --file "$out" --reinstall
  stamp_set random "$random_hash"
fi

echo "engine: $(pulumi version) at $BIN; plugins:"
pulumi plugin ls 2>/dev/null | sed 's/^/  /'
