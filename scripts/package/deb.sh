#!/usr/bin/env bash
# The .deb from the package's tree: the tree in /opt/metricstream, the units in
# /usr/lib/systemd/system, the example configuration as the conffile
# /etc/metricstream/config.json, a `metricstream` system user (postinst), and
# on purge the user, the state directory and the configuration removed.
#   deb.sh TREE VERSION GLIBC OUTDIR
set -euo pipefail
tree=$1 version=$2 glibc=$3 outdir=$4
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/opt" "$stage/usr/lib/systemd/system" "$stage/etc/metricstream" "$stage/DEBIAN"
cp -a "$tree" "$stage/opt/metricstream"
cp "$tree"/systemd/*.service "$stage/usr/lib/systemd/system/"
cp "$tree/config/metricstream.example.json" "$stage/etc/metricstream/config.json"
echo /etc/metricstream/config.json >"$stage/DEBIAN/conffiles"

cat >"$stage/DEBIAN/control" <<CONTROL
Package: metricstream
Version: $version
Architecture: amd64
Maintainer: metricstream maintainers <dev@metricstream.invalid>
Installed-Size: $(du -sk "$stage" | cut -f1)
Depends: libc6 (>= $glibc), libstdc++6, libssl3 | libssl3t64, zlib1g, passwd
Section: net
Priority: optional
Homepage: https://github.com/metricstream/metricstream
Description: metrics and logs over HTTP into Apache Kafka
 Takes metrics, logs and traces over HTTP (its own JSON, Prometheus
 remote_write, OTLP/HTTP, InfluxDB line protocol, Loki, Elasticsearch _bulk,
 Splunk HEC) and answers 200 only after Kafka has every record.
 Bundles Node.js and its native addons in /opt/metricstream.
CONTROL

cat >"$stage/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd metricstream >/dev/null; then
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin metricstream
  fi
  # It may hold SASL credentials: readable by the service's user only.
  chown root:metricstream /etc/metricstream/config.json
  chmod 0640 /etc/metricstream/config.json
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
  if [ -z "$2" ]; then
    echo "metricstream: set kafka.brokers in /etc/metricstream/config.json, then: systemctl enable --now metricstream"
  elif [ -d /run/systemd/system ] && systemctl is-active --quiet metricstream; then
    systemctl restart metricstream || true
  fi
fi
SCRIPT

cat >"$stage/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now metricstream.service 'metricstream@*.service' >/dev/null 2>&1 || true
fi
SCRIPT

cat >"$stage/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
if [ "$1" = purge ]; then
  # The state directory holds the spool, if spool mode was used.
  rm -rf /var/lib/metricstream /var/lib/private/metricstream
  rmdir --ignore-fail-on-non-empty /etc/metricstream 2>/dev/null || true
  if getent passwd metricstream >/dev/null; then userdel metricstream || true; fi
  if getent group metricstream >/dev/null; then groupdel metricstream || true; fi
fi
SCRIPT
chmod 755 "$stage"/DEBIAN/postinst "$stage"/DEBIAN/prerm "$stage"/DEBIAN/postrm
dpkg-deb --root-owner-group -Zgzip --build "$stage" "$outdir/metricstream_${version}_amd64.deb" >/dev/null
echo "deb: $outdir/metricstream_${version}_amd64.deb"
