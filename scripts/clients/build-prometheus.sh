#!/usr/bin/env bash
# Prometheus 3 server (remote_write 2.0). Built without the builtinassets tag: the web UI
# is not embedded, which the tests do not need (scraping and remote_write work without it).
# remove_all_sd (Prometheus's own build tag, plugins/) leaves out every service discovery
# but file and http: the tests use static_configs, and Kubernetes', the clouds' and the
# other SDs' client libraries are most of a cold build's time.
set -euo pipefail
version="${PROMETHEUS_VERSION:-v0.316.0}"
cache="${METRICSTREAM_CI_CACHE:-$HOME/.cache/metricstream-ci}"
exec "$(dirname "$0")/build-go-client.sh" github.com/prometheus/prometheus "$version" cmd/prometheus \
  "$cache/prometheus-$version-nosd/prometheus" "remove_all_sd" \
  "-X github.com/prometheus/common/version.Version={version}"
