#!/usr/bin/env bash
# Usage: install-key.sh SRC — prints a digest of what `npm install` in SRC makes
# node_modules from: the lockfile, the dependency fields and install scripts of
# package.json (not the other scripts: changing `npm test` must not make CI build
# librdkafka again), and the node-rdkafka patch with its script. CI caches
# node_modules under this key (.ci/debian13, scripts/package/lib.sh).
set -euo pipefail
src=$1
{
  node -e '
    const p = require(process.argv[1]);
    const s = p.scripts ?? {};
    console.log(JSON.stringify([p.dependencies, p.devDependencies, p.optionalDependencies, p.overrides,
      p.allowScripts, s.preinstall, s.install, s.postinstall]));' "$src/package.json"
  cat "$src/package-lock.json" $(find "$src/patches" -type f | sort) "$src/scripts/patch-node-rdkafka.js"
} | sha256sum | cut -c1-16
