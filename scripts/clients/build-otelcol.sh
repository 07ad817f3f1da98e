#!/usr/bin/env bash
# OpenTelemetry Collector with the components of otelcol-builder.yaml (beside this script),
# built by the collector's builder (ocb) of the same release. The builder itself is installed
# into the cache folder too; the generated sources stay beside the binary.
set -euo pipefail
version="${OTELCOL_VERSION:-v0.165.0}"
cache="${METRICSTREAM_CI_CACHE:-$HOME/.cache/metricstream-ci}"
dist="$cache/otelcol-${version#v}"
output="$dist/otelcol"
manifest="$(cd "$(dirname "$0")" && pwd)/otelcol-builder.yaml"

if [ -x "$output" ]; then
  echo "cached: $output"
  exit 0
fi

command -v go >/dev/null || { echo "go is not installed" >&2; exit 1; }

started=$(date +%s)
mkdir -p "$dist/bin"
[ -x "$dist/bin/builder" ] || GOBIN="$dist/bin" GOWORK=off go install "go.opentelemetry.io/collector/cmd/builder@$version"

# The builder writes sources and binary into the manifest's output_path, ./build here; the
# binary is moved out last, so a failed or interrupted build leaves nothing that looks cached.
rm -rf "$dist/build"
(cd "$dist" && GOWORK=off "$dist/bin/builder" --config "$manifest")
mv "$dist/build/otelcol" "$output"
echo "built $output in $(( $(date +%s) - started ))s"
