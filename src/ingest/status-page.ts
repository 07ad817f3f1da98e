// The status page the admin listener serves at GET /: one HTML document with
// its CSS and JavaScript inline (no external asset, no CDN: the
// Content-Security-Policy below forbids any). It polls status.json (what it
// holds: src/telemetry/status.ts) every POLL_MS and draws the rates the daemon
// computed; the browser does no arithmetic on counters. Everything from the
// daemon is written with textContent, never as HTML: refusal reasons and
// paths come from clients.

export const STATUS_PAGE_CONTENT_TYPE = 'text/html; charset=utf-8';

/** Nothing may load from anywhere but this listener, and nothing but status.json at all. */
export const STATUS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const POLL_MS = 2_000;

const STYLE = `
  :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f6f7f9; --card: #fff;
          --ok: #12805c; --bad: #c4320a; --warn: #b54708; --a: #2e6be6; --b: #12805c; --c: #c4320a; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; padding: 14px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
  header h1 { margin: 0; font-size: 20px; }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  .grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); }
  section, .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 500; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .muted { color: var(--muted); }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; color: #fff; background: var(--muted); }
  .badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); }
  .state-UP { color: var(--ok); font-weight: 600; } .state-DOWN { color: var(--bad); font-weight: 600; }
  .bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; margin-top: 4px; }
  .bar > div { height: 100%; background: var(--a); width: 0; }
  .bar.high > div { background: var(--warn); }
  .legend span { margin-right: 14px; } .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  svg.chart { width: 100%; height: 140px; display: block; }
  svg.spark { width: 160px; height: 28px; display: block; }
  svg polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
  svg text { font-size: 11px; fill: var(--muted); }
  .reason { max-width: 48ch; overflow-wrap: anywhere; }
  #error { display: none; color: #fff; background: var(--bad); padding: 8px 24px; }
  code { font-size: 12px; overflow-wrap: anywhere; }
`;

// No backticks and no dollar-brace in here: this is a TypeScript template literal.
const SCRIPT = `
(function () {
  'use strict';
  var POLL_MS = ${POLL_MS};
  var samples = [];
  var lastSeq = 0;
  var MIN_WINDOW_MS = 120000;
  var capacityMs = 600000;
  var SVG = 'http://www.w3.org/2000/svg';

  function byId(id) { return document.getElementById(id); }
  function put(id, value) { byId(id).textContent = value; }
  function cell(row, value, cls) {
    var td = document.createElement('td');
    td.textContent = value;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function bytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
  }
  function rate(n) { return n >= 100 ? Math.round(n).toLocaleString() : String(Math.round(n * 100) / 100); }
  function duration(s) {
    if (s < 60) return Math.round(s) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }
  function clock(ms) { return new Date(ms).toLocaleTimeString(); }
  function setBar(id, used, max) {
    var fraction = max > 0 ? Math.min(used / max, 1) : 0;
    var bar = byId(id);
    bar.firstElementChild.style.width = (fraction * 100).toFixed(1) + '%';
    bar.className = fraction > 0.8 ? 'bar high' : 'bar';
  }

  // The charts span the samples held: at least MIN_WINDOW_MS, at most the daemon's history.
  function windowOf(now) {
    var span = samples.length > 0 ? now - samples[0].at : 0;
    return Math.min(Math.max(span, MIN_WINDOW_MS), capacityMs);
  }

  // One polyline per series over the sample window, scaled to the largest value.
  function draw(svg, series, now, withAxes) {
    clear(svg);
    var windowMs = windowOf(now);
    var width = svg.clientWidth || 600, height = svg.clientHeight || (withAxes ? 140 : 28);
    var top = withAxes ? 14 : 2, bottom = withAxes ? 16 : 2;
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); });
    var scale = max > 0 ? (height - top - bottom) / max : 0;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('data-points', String(samples.length));
    svg.setAttribute('data-max', String(max));
    series.forEach(function (s) {
      var line = document.createElementNS(SVG, 'polyline');
      var points = [];
      for (var i = 0; i < samples.length; i++) {
        var x = width - ((now - samples[i].at) / windowMs) * width;
        points.push(x.toFixed(1) + ',' + (height - bottom - s.values[i] * scale).toFixed(1));
      }
      line.setAttribute('points', points.join(' '));
      line.style.stroke = s.color;
      if (s.dashed) line.style.strokeDasharray = '4 3';
      line.setAttribute('data-series', s.name);
      svg.appendChild(line);
    });
    if (withAxes) {
      label(svg, 4, 11, 'max ' + rate(max) + '/s');
      label(svg, 4, height - 3, '-' + Math.round(windowMs / 60000) + ' min');
      label(svg, width - 28, height - 3, 'now');
    }
  }
  function label(svg, x, y, value) {
    var t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', String(x));
    t.setAttribute('y', String(y));
    t.textContent = value;
    svg.appendChild(t);
  }
  function routeSeries(route, index) {
    return samples.map(function (s) { var r = s.routes[route]; return r ? r[index] : 0; });
  }
  function sumSeries(index) {
    return samples.map(function (s) {
      var sum = 0;
      Object.keys(s.routes).forEach(function (route) { sum += s.routes[route][index]; });
      return sum;
    });
  }

  function render(status) {
    var history = status.history;
    if (history.latestSeq < lastSeq) { samples = []; lastSeq = 0; }
    capacityMs = history.capacity * history.intervalMs;
    history.samples.forEach(function (s) { if (s.seq > lastSeq) { samples.push(s); lastSeq = s.seq; } });
    if (samples.length > history.capacity) samples.splice(0, samples.length - history.capacity);
    byId('error').style.display = 'none';

    var b = status.build;
    put('version', b.metricstream);
    put('build-metricstream', b.metricstream);
    put('build-node', b.node);
    put('build-uws', b.uWebSockets);
    put('build-librdkafka', b.librdkafka);
    put('build-rdkafka', b.nodeRdkafka + ' (patched, sha256 ' + b.nodeRdkafkaPatch.slice(0, 12) + ')');
    put('build-mode', b.deliveryMode);
    put('uptime', 'up ' + duration(status.uptimeSeconds));
    put('updated', 'updated ' + clock(status.at));

    var ready = byId('ready');
    ready.textContent = status.ready ? 'ready' : 'not ready';
    ready.className = 'badge ' + (status.ready ? 'ok' : 'bad');
    put('reasons', status.ready ? 'taking requests' : status.reasons.join(', '));

    put('rss', bytes(status.memory.rssBytes));
    put('ceiling', bytes(status.memory.ceilingBytes));
    setBar('memory-bar', status.memory.rssBytes, status.memory.ceilingBytes);

    var k = status.kafka;
    put('kafka-reachable', k.reachable ? 'reachable' : 'unreachable');
    byId('kafka-reachable').className = k.reachable ? 'state-UP' : 'state-DOWN';
    put('kafka-bootstrap', k.bootstrap);
    put('kafka-inflight', k.inFlightMessages.toLocaleString() + ' / ' + k.maxInFlightMessages.toLocaleString());
    var brokers = byId('brokers');
    clear(brokers);
    if (k.brokers === null) {
      var none = document.createElement('tr');
      cell(none, 'no librdkafka statistics yet (telemetry.kafkaStatsIntervalMs)', 'muted').colSpan = 3;
      brokers.appendChild(none);
    } else {
      k.brokers.forEach(function (broker) {
        var row = document.createElement('tr');
        cell(row, broker.name);
        cell(row, broker.state, 'state-' + broker.state);
        cell(row, (broker.rttSeconds * 1000).toFixed(1) + ' ms', 'num');
        brokers.appendChild(row);
      });
    }

    var spool = status.spool;
    byId('spool').style.display = spool === null ? 'none' : '';
    if (spool !== null) {
      put('spool-bytes', bytes(spool.bytes) + ' of ' + bytes(spool.maxBytes));
      setBar('spool-bar', spool.bytes, spool.maxBytes);
      put('spool-undelivered', spool.undeliveredMessages.toLocaleString() + ' messages');
      put('spool-oldest', spool.oldestUndeliveredSeconds > 0 ? duration(spool.oldestUndeliveredSeconds) : 'none');
      put('spool-replay', rate(spool.replayRecordsPerSecond) + ' records/s');
    }

    var now = status.at;
    draw(byId('chart-total'), [
      { name: 'records', color: 'var(--a)', values: sumSeries(1) },
      { name: 'delivered', color: 'var(--b)', dashed: true, values: samples.map(function (s) { return s.delivered; }) },
      { name: 'refused', color: 'var(--c)', values: sumSeries(2) },
    ], now, true);

    var routes = byId('routes');
    clear(routes);
    status.routes.forEach(function (r) {
      var row = document.createElement('tr');
      row.setAttribute('data-route', r.route);
      cell(row, r.route);
      cell(row, rate(r.perSecond.requests), 'num req-rate');
      cell(row, rate(r.perSecond.records), 'num rec-rate');
      cell(row, rate(r.perSecond.refused), 'num refused-rate');
      cell(row, r.total.requests.toLocaleString(), 'num');
      cell(row, r.total.records.toLocaleString(), 'num');
      var spark = document.createElementNS(SVG, 'svg');
      spark.setAttribute('class', 'spark');
      cell(row, '').appendChild(spark);
      routes.appendChild(row);
      draw(spark, [
        { name: 'requests', color: 'var(--muted)', values: routeSeries(r.route, 0) },
        { name: 'records', color: 'var(--a)', values: routeSeries(r.route, 1) },
        { name: 'refused', color: 'var(--c)', values: routeSeries(r.route, 2) },
      ], now, false);
    });
    if (status.routes.length === 0) cell(routes.appendChild(document.createElement('tr')), 'no requests yet', 'muted').colSpan = 7;

    put('refusals-total', status.refusals.total.toLocaleString() + ' since start; the last ' + status.refusals.capacity + ' kept');
    var refusals = byId('refusals');
    clear(refusals);
    status.refusals.latest.forEach(function (f) {
      var row = document.createElement('tr');
      cell(row, clock(f.at));
      cell(row, f.route, 'route');
      cell(row, f.client);
      cell(row, String(f.status), 'num status');
      cell(row, f.code, 'code');
      cell(row, f.reason + (f.record === undefined ? '' : ' (record ' + f.record + ')'), 'reason');
      cell(row, f.requestId, 'muted');
      refusals.appendChild(row);
    });
    if (status.refusals.latest.length === 0) cell(refusals.appendChild(document.createElement('tr')), 'none', 'muted').colSpan = 7;
  }

  function showError(err) {
    var banner = byId('error');
    banner.textContent = 'status.json: ' + err.message + ' (retrying)';
    banner.style.display = 'block';
    byId('ready').textContent = 'unknown';
    byId('ready').className = 'badge';
  }

  function poll() {
    fetch('status.json?since=' + lastSeq, { cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(render)
      .catch(showError)
      .then(function () { setTimeout(poll, POLL_MS); });
  }
  poll();
})();
`;

const BODY = `
<header>
  <h1>metricstream</h1>
  <span id="version" class="muted">…</span>
  <span id="ready" class="badge">…</span>
  <span id="uptime" class="muted"></span>
  <span id="updated" class="muted"></span>
</header>
<div id="error" role="alert"></div>
<main>
  <div class="grid">
    <div class="card">
      <h2>Readiness</h2>
      <div id="reasons">…</div>
    </div>
    <div class="card">
      <h2>Memory</h2>
      <div><span id="rss">…</span> resident of a <span id="ceiling">…</span> ceiling</div>
      <div class="bar" id="memory-bar"><div></div></div>
    </div>
    <div class="card">
      <h2>Build</h2>
      <table>
        <tr><th>metricstream</th><td id="build-metricstream"></td></tr>
        <tr><th>Node</th><td id="build-node"></td></tr>
        <tr><th>uWebSockets.js</th><td id="build-uws"></td></tr>
        <tr><th>librdkafka</th><td id="build-librdkafka"></td></tr>
        <tr><th>node-rdkafka</th><td id="build-rdkafka"></td></tr>
        <tr><th>delivery</th><td id="build-mode"></td></tr>
      </table>
    </div>
    <div class="card">
      <h2>Kafka</h2>
      <div><span id="kafka-reachable">…</span> · <code id="kafka-bootstrap"></code></div>
      <div class="muted">messages in flight: <span id="kafka-inflight"></span></div>
      <table>
        <thead><tr><th>broker</th><th>state</th><th class="num">rtt</th></tr></thead>
        <tbody id="brokers"></tbody>
      </table>
    </div>
    <div class="card" id="spool" style="display: none">
      <h2>Spool</h2>
      <div id="spool-bytes"></div>
      <div class="bar" id="spool-bar"><div></div></div>
      <div>undelivered: <span id="spool-undelivered"></span></div>
      <div>oldest undelivered: <span id="spool-oldest"></span></div>
      <div>replay: <span id="spool-replay"></span></div>
    </div>
  </div>
  <section>
    <h2>Traffic, per second, last minutes</h2>
    <div class="legend muted"><span><i style="background: var(--a)"></i>records accepted</span><span><i style="background: var(--b)"></i>records delivered (dashed)</span><span><i style="background: var(--c)"></i>requests refused</span></div>
    <svg id="chart-total" class="chart" role="img" aria-label="records per second"></svg>
    <table>
      <thead><tr><th>route</th><th class="num">requests/s</th><th class="num">records/s</th><th class="num">refused/s</th><th class="num">requests</th><th class="num">records</th><th>last minutes</th></tr></thead>
      <tbody id="routes"></tbody>
    </table>
    <div class="muted">Rates are the mean of the last 10 one-second samples the daemon took.</div>
  </section>
  <section>
    <h2>Last refusals</h2>
    <div class="muted" id="refusals-total"></div>
    <table>
      <thead><tr><th>time</th><th>route</th><th>client</th><th class="num">status</th><th>code</th><th>reason</th><th>request id</th></tr></thead>
      <tbody id="refusals"></tbody>
    </table>
  </section>
</main>
`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>metricstream status</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
${BODY}
<script>${SCRIPT}</script>
</body>
</html>
`;
