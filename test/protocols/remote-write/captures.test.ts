// What Prometheus 3.16.0 (module v0.316.0) sent with remote_write 2.0, scraping itself:
//   remote_write: [{url, protobuf_message: io.prometheus.write.v2.Request}]
//   --enable-feature=metadata-wal-records                                      (api_v1_write-*)
//   plus created-timestamp-zero-ingestion,st-storage,use-start-timestamps and
//   scrape_protocols: [PrometheusProto, ...]                                  (start_timestamps_*)
// The configurations are beside the captures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uncompressSync } from 'snappy';
import { remoteWriteMessageOf } from '../../../src/protocols/remote-write/content-type';
import { decodeRemoteWriteV2, type RemoteWritePoint } from '../../../src/protocols/remote-write/v2';
import { capturedRequests, type CapturedRequest } from '../../support/client-captures';

const limits = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };

function decode(request: CapturedRequest) {
  return decodeRemoteWriteV2(uncompressSync(request.body) as Buffer, limits);
}

function typeOf(points: RemoteWritePoint[], name: string): string | undefined {
  return points.find((p) => p.name === name)?.type;
}

describe('Prometheus 3.16.0 remote_write 2.0', () => {
  it('sends snappy io.prometheus.write.v2.Request with X-Prometheus-Remote-Write-Version 2.0.0', () => {
    for (const request of capturedRequests('prometheus-3.16.0')) {
      assert.equal(request.url.pathname, '/api/v1/write');
      assert.equal(request.headers['content-encoding'], 'snappy');
      assert.equal(request.headers['x-prometheus-remote-write-version'], '2.0.0');
      assert.equal(remoteWriteMessageOf(request.headers['content-type']).version, '2.0');
    }
  });

  it('every sample decodes, typed from the series metadata (counter, gauge, classic histogram, summary)', () => {
    for (const request of capturedRequests('prometheus-3.16.0', 'api_v1_write-')) {
      const result = decode(request);
      assert.equal(result.firstRefusal, undefined, request.file);
      assert.ok(result.points.length > 500, `${request.file}: ${result.points.length} samples`);
      assert.equal(typeOf(result.points, 'prometheus_http_requests_total'), 'counter');
      assert.equal(typeOf(result.points, 'go_goroutines'), 'gauge');
      assert.equal(typeOf(result.points, 'go_gc_heap_allocs_by_size_bytes_bucket'), 'histogram');
      assert.equal(typeOf(result.points, 'go_gc_heap_allocs_by_size_bytes_count'), 'histogram');
      assert.equal(typeOf(result.points, 'go_gc_duration_seconds'), 'summary');
      const up = result.points.find((p) => p.name === 'up')!;
      assert.deepEqual(Object.keys(up.labels).sort(), ['instance', 'job']);
      assert.equal(up.labels['job'], 'prometheus');
      assert.equal(up.value, 1);
    }
  });

  it('with start timestamps enabled, counters carry start_timestamp (before their sample)', () => {
    const [request] = capturedRequests('prometheus-3.16.0', 'start_timestamps_');
    const result = decode(request!);
    assert.equal(result.firstRefusal, undefined);
    const counters = result.points.filter((p) => p.type === 'counter' && p.startTimestamp !== undefined);
    assert.ok(counters.length > 50, `${counters.length} counters with a start timestamp`);
    for (const point of counters) assert.ok(point.startTimestamp! <= point.timestamp, point.name);
    assert.ok(result.points.filter((p) => p.type === 'gauge').every((p) => p.startTimestamp === undefined));
  });
});
