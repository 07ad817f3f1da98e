#!/usr/bin/env bash
# Builds test/support/faultfs (a FUSE filesystem whose writes fail with EIO on
# command, for the spool's disk-fault tests) into the CI cache, once per
# version of its sources. Needs Go and the Go module proxy, like scripts/clients/.
# Prints the binary's path on its last line.
set -euo pipefail
src="$(cd "$(dirname "$0")/../test/support/faultfs" && pwd)"
cache="${METRICSTREAM_CI_CACHE:-$HOME/.cache/metricstream-ci}"
version="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
output="$cache/faultfs-$version/faultfs"
if [ ! -x "$output" ]; then
  command -v go >/dev/null || { echo "go is not installed" >&2; exit 1; }
  mkdir -p "$(dirname "$output")"
  (cd "$src" && GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$output.partial" .)
  mv "$output.partial" "$output"
fi
echo "$output"
