#!/usr/bin/env bash
# Builds one command of a Go module at a pinned version into the CI cache, once.
# Usage: build-go-client.sh <module> <version> <package-dir> <output-binary> [build-tags] [ldflags]
# In ldflags, {version} stands for the module's VERSION file when it has one, else <version> without its v.
# The module cache is read-only, so the build runs in a writable copy of the module;
# GOWORK=off because a module may ship a go.work naming folders its zip leaves out.
set -euo pipefail

module="$1"; version="$2"; package_dir="$3"; output="$4"; tags="${5:-}"; ldflags="${6:-}"

if [ -x "$output" ]; then
  echo "cached: $output"
  exit 0
fi

command -v go >/dev/null || { echo "go is not installed" >&2; exit 1; }

module_dir="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[ -n "$module_dir" ] || { echo "go mod download gave no directory for $module@$version" >&2; exit 1; }

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$module_dir" "$work/src"
chmod -R u+w "$work/src"

release="${version#v}"
[ -f "$work/src/VERSION" ] && release="$(tr -d '[:space:]' < "$work/src/VERSION")"
ldflags="${ldflags//\{version\}/$release}"

mkdir -p "$(dirname "$output")"
started=$(date +%s)
(cd "$work/src" && GOWORK=off CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$output.partial" "./$package_dir")
mv "$output.partial" "$output"
echo "built $output in $(( $(date +%s) - started ))s"
