// remote_write 2.0: symbols, labels_refs, metadata types, start timestamps,
// refused histograms and series, exemplars, fuzz.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { RemoteWriteV2Error, RequestV2, decodeRemoteWriteV2, type RemoteWriteLimits } from '../../../src/protocols/remote-write/v2';

const limits: RemoteWriteLimits = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };

/** Builds a request from readable series: labels as objects, symbols made up on the way. */
class RequestBuilder {
  readonly symbols: string[] = [''];
  readonly timeseries: object[] = [];

  ref(text: string): number {
    const at = this.symbols.indexOf(text);
    if (at >= 0) return at;
    this.symbols.push(text);
    return this.symbols.length - 1;
  }

  refs(labels: Record<string, string>): number[] {
    return Object.keys(labels).sort().flatMap((name) => [this.ref(name), this.ref(labels[name]!)]);
  }

  series(labels: Record<string, string>, rest: Record<string, unknown> = {}): this {
    this.timeseries.push({ labelsRefs: this.refs(labels), ...rest });
    return this;
  }

  bytes(): Uint8Array {
    return RequestV2.encode(RequestV2.fromObject({ symbols: this.symbols, timeseries: this.timeseries })).finish();
  }
}

function refusedWith(kind: RemoteWriteV2Error['kind'], pattern: RegExp) {
  return (err: unknown): boolean => err instanceof RemoteWriteV2Error && err.kind === kind && pattern.test(err.message);
}

describe('remote_write 2.0', () => {
  it('one point per sample: name from __name__, the other labels, type from the series metadata', () => {
    const b = new RequestBuilder();
    b.series({ __name__: 'http_requests_total', job: 'api', code: '200' }, {
      samples: [{ value: 10, timestamp: 1762045907000 }, { value: 12, timestamp: 1762045908000 }],
      metadata: { type: 1, helpRef: b.ref('Requests.'), unitRef: 0 },
    });
    b.series({ __name__: 'temp_celsius' }, { samples: [{ value: NaN, timestamp: 5 }], metadata: { type: 2 } });
    const result = decodeRemoteWriteV2(b.bytes(), limits);
    assert.deepEqual(result.points[0], { name: 'http_requests_total', value: 10, type: 'counter', timestamp: 1762045907000, labels: { code: '200', job: 'api' } });
    assert.equal(result.points[1]!.timestamp, 1762045908000);
    assert.equal(result.points[2]!.type, 'gauge');
    assert.ok(Number.isNaN(result.points[2]!.value));
    assert.deepEqual(result.refused, { samples: 0, histograms: 0, exemplars: 0 });
    assert.equal(result.firstRefusal, undefined);
  });

  it('types every metadata type: histogram series (_bucket/_sum/_count), gauge histogram, summary; info, stateset and none are gauges', () => {
    const b = new RequestBuilder();
    const types = [[3, 'h_bucket'], [3, 'h_sum'], [3, 'h_count'], [4, 'gh_bucket'], [5, 's'], [6, 'i_info'], [7, 'st'], [0, 'u']] as const;
    for (const [type, name] of types) b.series({ __name__: name }, { samples: [{ value: 1, timestamp: 1 }], metadata: { type } });
    b.series({ __name__: 'no_metadata' }, { samples: [{ value: 1, timestamp: 1 }] });
    assert.deepEqual(decodeRemoteWriteV2(b.bytes(), limits).points.map((p) => [p.name, p.type]), [
      ['h_bucket', 'histogram'], ['h_sum', 'histogram'], ['h_count', 'histogram'], ['gh_bucket', 'histogram'], ['s', 'summary'],
      ['i_info', 'gauge'], ['st', 'gauge'], ['u', 'gauge'], ['no_metadata', 'gauge'],
    ]);
  });

  it('keeps start_timestamp per sample, falls back to the series created_timestamp of earlier senders, none when 0', () => {
    const b = new RequestBuilder();
    b.series({ __name__: 'c_total' }, { samples: [{ value: 1, timestamp: 2000, startTimestamp: 1000 }, { value: 2, timestamp: 3000 }], createdTimestamp: 500 });
    b.series({ __name__: 'd_total' }, { samples: [{ value: 1, timestamp: 2000 }] });
    const points = decodeRemoteWriteV2(b.bytes(), limits).points;
    assert.deepEqual(points.map((p) => p.startTimestamp), [1000, 500, undefined]);
    assert.equal('startTimestamp' in points[2]!, false);
  });

  it('refuses native histograms visibly: counted, described, the samples beside them written', () => {
    const b = new RequestBuilder();
    b.series({ __name__: 'lat_seconds' }, { histograms: [{ countInt: 3, sum: 1.5, schema: 3, timestamp: 1 }, { countFloat: 2, timestamp: 2 }], metadata: { type: 3 } });
    b.series({ __name__: 'up' }, { samples: [{ value: 1, timestamp: 1 }] });
    const result = decodeRemoteWriteV2(b.bytes(), limits);
    assert.deepEqual(result.points.map((p) => p.name), ['up']);
    assert.deepEqual(result.refused, { samples: 0, histograms: 2, exemplars: 0 });
    assert.equal(result.firstRefusal, 'series 0 (lat_seconds): native histograms are not accepted (2 refused)');
  });

  it('keeps a label named __proto__ as data', () => {
    const b = new RequestBuilder();
    b.timeseries.push({ labelsRefs: [b.ref('__name__'), b.ref('m'), b.ref('__proto__'), b.ref('v')], samples: [{ value: 1, timestamp: 1 }] });
    const point = decodeRemoteWriteV2(b.bytes(), limits).points[0]!;
    assert.deepEqual(Object.entries(point.labels), [['__proto__', 'v']]);
    assert.equal(Object.getPrototypeOf(point.labels), Object.prototype);
  });

  it('returns exemplars with their series and own labels', () => {
    const b = new RequestBuilder();
    b.series({ __name__: 'req_total', job: 'a' }, {
      samples: [{ value: 5, timestamp: 10 }],
      exemplars: [{ labelsRefs: b.refs({ trace_id: 'abc' }), value: 0.25, timestamp: 9 }],
    });
    assert.deepEqual(decodeRemoteWriteV2(b.bytes(), limits).exemplars, [
      { name: 'req_total', labels: { job: 'a' }, exemplarLabels: { trace_id: 'abc' }, value: 0.25, timestamp: 9 },
    ]);
  });

  const badSeries: Array<[string, (b: RequestBuilder) => object, RegExp]> = [
    ['odd labels_refs', (b) => ({ labelsRefs: [b.ref('__name__'), b.ref('x'), b.ref('job')] }), /labels_refs has an odd length \(3\)/],
    ['a ref past the symbols', (b) => ({ labelsRefs: [b.ref('__name__'), 99] }), /labels_refs \[\d+, 99\] outside the \d+ symbols/],
    ['no __name__', (b) => ({ labelsRefs: b.refs({ job: 'x' }) }), /series has no __name__/],
    ['an empty label name', (b) => ({ labelsRefs: [...b.refs({ __name__: 'm' }), 0, b.ref('v')] }), /label with an empty name/],
    ['a label twice', (b) => ({ labelsRefs: [...b.refs({ __name__: 'm', a: '1' }), b.ref('a'), b.ref('2')] }), /label "a" twice/],
    ['a help_ref past the symbols', (b) => ({ labelsRefs: b.refs({ __name__: 'm' }), metadata: { type: 1, helpRef: 1000 } }), /help_ref 1000 outside/],
    ['an exemplar with odd labels_refs', (b) => ({ labelsRefs: b.refs({ __name__: 'm' }), exemplars: [{ labelsRefs: [1], value: 1, timestamp: 1 }] }), /exemplar labels_refs has an odd length/],
    ['a name over the limit', (b) => ({ labelsRefs: b.refs({ __name__: 'm'.repeat(300) }) }), /__name__ longer than 256/],
    ['a label value over the limit', (b) => ({ labelsRefs: b.refs({ __name__: 'm', a: 'v'.repeat(3000) }) }), /label a longer than 2048/],
  ];
  for (const [title, build, reason] of badSeries) {
    it(`refuses a series with ${title}, alone, counting what it held`, () => {
      const b = new RequestBuilder();
      b.series({ __name__: 'good' }, { samples: [{ value: 1, timestamp: 1 }] });
      b.timeseries.push({ ...build(b), samples: [{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 }], histograms: [{ countInt: 1 }] });
      const result = decodeRemoteWriteV2(b.bytes(), limits);
      assert.deepEqual(result.points.map((p) => p.name), ['good']);
      assert.equal(result.refused.samples, 2);
      assert.equal(result.refused.histograms, 1);
      assert.match(result.firstRefusal!, /^series 1/);
      assert.match(result.firstRefusal!, reason);
    });
  }

  it('refuses the request when symbols[0] is not "", when it is not protobuf, or holds too many samples', () => {
    const wrongFirst = RequestV2.encode(RequestV2.fromObject({ symbols: ['__name__', 'm'], timeseries: [{ labelsRefs: [0, 1] }] })).finish();
    assert.throws(() => decodeRemoteWriteV2(wrongFirst, limits), refusedWith('invalid_request', /symbols\[0\] must be the empty string/));
    assert.throws(() => decodeRemoteWriteV2(Buffer.from([0x0f]), limits), refusedWith('invalid_protobuf', /io\.prometheus\.write\.v2\.Request: invalid wire type/));
    // A symbol that runs past the end of a Buffer is refused, not cut short.
    assert.throws(() => decodeRemoteWriteV2(Buffer.from([0x22, 0x00, 0x22, 0x05, 0x41]), limits), refusedWith('invalid_protobuf', /index out of range/));
    const b = new RequestBuilder().series({ __name__: 'm' }, { samples: [{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 }] });
    assert.throws(() => decodeRemoteWriteV2(b.bytes(), { ...limits, maxRecordsPerRequest: 1 }), refusedWith('too_many_records', /2 samples; the limit is 1/));
  });

  it('an empty request decodes to nothing', () => {
    assert.deepEqual(decodeRemoteWriteV2(new Uint8Array(0), limits), { points: [], exemplars: [], refused: { samples: 0, histograms: 0, exemplars: 0 }, firstRefusal: undefined });
  });

  it('a 1.0 WriteRequest read as 2.0 decodes to nothing (its fields 1-3 are reserved in 2.0)', () => {
    const schema = 'syntax = "proto3"; message WriteRequest { repeated TimeSeries timeseries = 1; }'
      + ' message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }'
      + ' message Label { string name = 1; string value = 2; } message Sample { double value = 1; int64 timestamp = 2; }';
    const WriteRequest = protobuf.parse(schema).root.lookupType('WriteRequest');
    const v1 = WriteRequest.encode(WriteRequest.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestamp: 1 }] }] })).finish();
    assert.ok(v1.length > 10);
    const result = decodeRemoteWriteV2(v1, limits);
    assert.equal(result.points.length, 0);
  });

  it('fuzz: arbitrary bytes and mutated requests never throw anything but RemoteWriteV2Error', () => {
    const b = new RequestBuilder();
    b.series({ __name__: 'm', job: 'j' }, { samples: [{ value: 1, timestamp: 1, startTimestamp: 1 }], exemplars: [{ labelsRefs: b.refs({ t: 'x' }), value: 1 }], metadata: { type: 1, helpRef: 1 } });
    b.series({ __name__: 'h' }, { histograms: [{ countInt: 1, positiveSpans: [{ offset: 1, length: 1 }], positiveDeltas: [1] }] });
    const valid = b.bytes();
    const check = (bytes: Uint8Array): void => {
      try {
        const result = decodeRemoteWriteV2(bytes, { ...limits, maxRecordsPerRequest: 50 });
        for (const point of result.points) assert.equal(typeof point.name, 'string');
      } catch (err) {
        if (!(err instanceof RemoteWriteV2Error)) throw err;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const bytes = Uint8Array.from(valid);
      for (const [at, byte] of edits) bytes[at] = byte;
      check(bytes);
    }), { numRuns: 2000 });
  });
});
