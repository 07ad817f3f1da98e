#!/usr/bin/env bash
# Telegraf with only the plugins the tests use: cpu/mem/file inputs, the three outputs that
# speak line protocol (influxdb v1, influxdb_v2, http) and the influx serializer/parser.
set -euo pipefail
version="${TELEGRAF_VERSION:-v1.37.2}"
cache="${METRICSTREAM_CI_CACHE:-$HOME/.cache/metricstream-ci}"
exec "$(dirname "$0")/build-go-client.sh" github.com/influxdata/telegraf "$version" cmd/telegraf \
  "$cache/telegraf-${version#v}/telegraf" \
  "custom,inputs.cpu,inputs.mem,inputs.file,outputs.influxdb,outputs.influxdb_v2,outputs.http,serializers.influx,parsers.influx" \
  "-X github.com/influxdata/telegraf/internal.Version={version}"
