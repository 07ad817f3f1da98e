#!/usr/bin/env bash
# collectd with a loadable write_http plugin (Debian/Ubuntu). collectd-core ships
# /usr/lib/collectd/write_http.so but only recommends the libraries it links:
# without libyajl2 (and libcurl4) collectd fails to load the plugin at start.
set -euo pipefail
plugin=/usr/lib/collectd/write_http.so

loadable() {
  [ -f "$plugin" ] && ! ldd "$plugin" | grep -q 'not found'
}

if ! loadable; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends collectd-core libyajl2 libcurl4
fi
loadable || { echo "$plugin is missing or cannot be loaded:" >&2; ldd "$plugin" >&2 || true; exit 1; }
echo "collectd $(dpkg-query -W -f='${Version}' collectd-core): $plugin"
