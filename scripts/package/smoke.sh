#!/usr/bin/env bash
# Starts an installed metricstream against its embedded Kafka (no brokers),
# POSTs one record, expects 200 from Kafka, sends SIGTERM, expects the drain
# and exit code 0. Runs on the target with nothing but the package: the
# client is the bundled Node's fetch.
#   smoke.sh TREE                  TREE/bin/metricstream, no configuration file
#   smoke.sh --unit UNIT USER      what UNIT's Environment=PATH and ExecStart run, as USER
#                                  (its --config file included; brokers emptied by environment)
#   smoke.sh --checkout DIR        node DIR/dist/main.js, with the node on PATH (an npm install)
# Prints the start-up line's versions; EXPECT_UWS (a regex) checks the uWS build.
set -euo pipefail
if [ "$1" = --unit ]; then
  unit=$2 user=$3
  unit_path=$(sed -n 's/^Environment=PATH=//p' "$unit")
  read -ra exec_start <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
  node_bin=$(PATH=$unit_path command -v node)
  cd /
  command=(setpriv --reuid="$user" --regid="$user" --init-groups env PATH="$unit_path" "${exec_start[@]}")
elif [ "$1" = --checkout ]; then
  node_bin=$(command -v node)
  command=("$node_bin" --max-semi-space-size=2 "$2/dist/main.js")
else
  tree=$1
  node_bin=$tree/node/bin/node
  command=("$tree/bin/metricstream")
fi
log=$(mktemp)
chmod 644 "$log"
METRICSTREAM_BROKERS= METRICSTREAM_PORT=0 METRICSTREAM_ADMIN_PORT=0 METRICSTREAM_INGEST_HOST=127.0.0.1 \
  "${command[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill -KILL "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 90); do grep -q '"metricstream ready"' "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 1; done
ready=$(grep '"metricstream ready"' "$log" | head -1) || { echo "smoke: not ready:"; cat "$log"; exit 1; }
"$node_bin" -e '
  const line = JSON.parse(process.argv[1]);
  console.log("smoke: started:", JSON.stringify(line.versions));
  const expect = process.env.EXPECT_UWS;
  if (expect && !new RegExp(expect).test(line.versions.uWebSockets)) { console.error("smoke: expected uWS", expect); process.exit(1); }
  fetch(`http://127.0.0.1:${line.ingest.split(":").pop()}/metrics`, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify([{ name: "package_smoke", value: 1 }]) })
    .then(async (r) => { const body = await r.text(); console.log("smoke: POST /metrics:", r.status, body);
      if (r.status !== 200 || body !== "{\"accepted\":1}") process.exit(1); });
' "$ready"
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
grep -aq '"msg":"drained"' "$log" || { echo "smoke: no drain logged:"; tail -5 "$log"; exit 1; }
[ "$code" = 0 ] || { echo "smoke: exit code $code after SIGTERM:"; tail -5 "$log"; exit 1; }
echo "smoke: SIGTERM drained, exit code 0"
