#!/usr/bin/env bash
# What the test files would otherwise build or fetch themselves on first use:
# Prometheus 3, Telegraf and the OpenTelemetry Collector (scripts/clients/),
# the FUSE filesystem of the disk-fault tests, and Kafka's broker jars (Maven).
# `npm test` runs this before the suite, for two reasons: the suite runs two
# test files at a time, and two files building one client at once would write
# the same output; and a cold build (minutes of both cores) beside a running
# test would starve it. Each part is cached, so a warm run takes a second.
# The parts run side by side: downloads overlap compiles. Needs dist/ (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
t0=$SECONDS

names=() pids=()
start() {
  local name=$1; shift
  ( started=$SECONDS; rc=0; "$@" >"$logs/$name" 2>&1 || rc=$?; printf '\n[%s: %s s, rc %s]\n' "$name" "$((SECONDS - started))" "$rc" >>"$logs/$name"; exit $rc ) &
  names+=("$name") pids+=($!)
}
start prometheus bash scripts/clients/build-prometheus.sh
start otelcol bash scripts/clients/build-otelcol.sh
start telegraf bash scripts/clients/build-telegraf.sh
start faultfs bash scripts/build-faultfs.sh
start kafka-jars node -e "require('./dist/test/support/kafka/libs').kafkaClasspath()"

failed=0
for i in "${!names[@]}"; do
  if wait "${pids[$i]}"; then
    echo "prepare-tests: $(tail -1 "$logs/${names[$i]}")"
  else
    echo "prepare-tests: ${names[$i]} failed:" >&2
    tail -30 "$logs/${names[$i]}" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
echo "prepare-tests: test clients ready in $((SECONDS - t0)) s"
