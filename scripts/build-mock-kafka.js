'use strict';
// Builds test/support/mock-kafka.c against the librdkafka that node-rdkafka
// built, so tests and benchmarks have a Kafka-protocol broker.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const rdkafka = path.dirname(require.resolve('node-rdkafka/package.json'));
const src = path.join(root, 'test/support/mock-kafka.c');
const out = path.join(root, 'dist/bin/mock-kafka');
const libDir = path.join(rdkafka, 'build/deps');

fs.mkdirSync(path.dirname(out), { recursive: true });
if (fs.existsSync(out) && fs.statSync(out).mtimeMs > fs.statSync(src).mtimeMs) process.exit(0);
execFileSync('cc', [
  '-O2', '-Wall', '-o', out, src,
  `-I${path.join(rdkafka, 'deps/librdkafka/src')}`,
  `-L${libDir}`, '-l:librdkafka.so.1', `-Wl,-rpath,${libDir}`,
], { stdio: 'inherit' });
