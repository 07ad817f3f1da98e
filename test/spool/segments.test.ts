// The spool's frames and segment recovery (src/spool/frame.ts, segments.ts):
// intact frames read back field for field; start-up recovery cuts a torn tail
// off, steps over a corrupted frame followed by good ones, and counts only
// what lies after the delivered checkpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeHeaders, encodeHeaders } from '../../src/ring/headers';
import { checkFrame, frameSize, readFrame, sealFrames, writeFrame } from '../../src/spool/frame';
import { segmentV1 } from '../support/spool-frame-v1';
import { listSegments, readCheckpoint, recoverSegment, segmentFile, writeCheckpoint } from '../../src/spool/segments';

function frames(count: number, valueOf = (i: number) => `{"n":${i}}`): { buf: Buffer; ends: number[] } {
  const parts: Buffer[] = [];
  const ends: number[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const value = Buffer.from(valueOf(i));
    const key = i % 2 === 0 ? Buffer.from(`series-${i}`) : null;
    const id = `req/${i}`;
    const buf = Buffer.alloc(frameSize('metrics'.length, key?.length ?? 0, id.length, value.length));
    writeFrame(buf, 0, 'metrics', i % 3 === 0 ? 2 : -1, key, id, value, 1, 1_700_000_000_000 + i);
    parts.push(buf);
    total += buf.length;
    ends.push(total);
  }
  const buf = Buffer.concat(parts);
  sealFrames(buf);
  return { buf, ends };
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-test-'));
  dirs.push(dir);
  return dir;
}

describe('spool frames', () => {
  it('reads back every field of a sealed frame', () => {
    const { buf, ends } = frames(3);
    const check = checkFrame(buf, ends[0]!, buf.length);
    assert.equal(check.kind, 'frame');
    const second = readFrame(buf, ends[0]!);
    assert.deepEqual({ ...second, value: second.value.toString() }, {
      topic: 'metrics', partition: -1, key: null, value: '{"n":1}', id: 'req/1', headers: null, count: 1, appendedAtMs: 1_700_000_000_001, tag: null,
    });
    const first = readFrame(buf, 0);
    assert.equal(first.key?.toString(), 'series-0');
    assert.equal(first.partition, 2);
  });

  it('carries a message\'s extra headers between its id and its value', () => {
    const headers = Buffer.from(encodeHeaders([['tenant', 'acme']]));
    const value = Buffer.from('{"line":"x"}');
    const buf = Buffer.alloc(frameSize('logs'.length, 1, 'r/0'.length, value.length, headers.length));
    writeFrame(buf, 0, 'logs', -1, Buffer.from('k'), 'r/0', value, 1, 1_700_000_000_000, headers);
    sealFrames(buf);
    assert.deepEqual(checkFrame(buf, 0, buf.length), { kind: 'frame', size: buf.length });
    const message = readFrame(buf, 0);
    assert.equal(message.id, 'r/0');
    assert.equal(message.key?.toString(), 'k');
    assert.equal(message.value.toString(), '{"line":"x"}');
    assert.deepEqual(decodeHeaders(message.headers!, 0, message.headers!.length), [['tenant', 'acme']]);
  });

  it('carries extra headers and an idempotency tag in one frame, the tag after the value', () => {
    const headers = Buffer.from(encodeHeaders([['tenant', 'acme']]));
    const value = Buffer.from('{"line":"y"}');
    const tag = Buffer.from('{"k":"key-1"}');
    const buf = Buffer.alloc(frameSize('logs'.length, 0, 'r/1'.length, value.length, headers.length, tag.length));
    writeFrame(buf, 0, 'logs', -1, null, 'r/1', value, 1, 0, headers, tag);
    sealFrames(buf);
    assert.deepEqual(checkFrame(buf, 0, buf.length), { kind: 'frame', size: buf.length });
    const message = readFrame(buf, 0);
    assert.equal(message.value.toString(), '{"line":"y"}');
    assert.equal(message.tag?.toString(), '{"k":"key-1"}');
    assert.deepEqual(decodeHeaders(message.headers!, 0, message.headers!.length), [['tenant', 'acme']]);
    const untagged = Buffer.alloc(frameSize('logs'.length, 0, 'r/2'.length, value.length, headers.length));
    writeFrame(untagged, 0, 'logs', -1, null, 'r/2', value, 1, 0, headers);
    sealFrames(untagged);
    assert.equal(readFrame(untagged, 0).tag, null);
  });

  it('reads frames of the format without headers (segments spooled before the upgrade) as messages without extra headers', () => {
    const segment = segmentV1([
      { topic: 'logs', key: 'stream', id: 'old/0', value: '{"n":0}' },
      { topic: 'metrics', key: null, id: 'old/1', value: '{"n":1}' },
    ], sealFrames);
    const first = checkFrame(segment, 0, segment.length);
    assert.equal(first.kind, 'frame');
    const size = first.kind === 'frame' ? first.size : 0;
    assert.equal(checkFrame(segment, size, segment.length).kind, 'frame');
    const messages = [readFrame(segment, 0), readFrame(segment, size)];
    assert.deepEqual(messages.map((m) => [m.topic, m.key?.toString() ?? null, m.id, m.headers, m.value.toString()]), [
      ['logs', 'stream', 'old/0', null, '{"n":0}'], ['metrics', null, 'old/1', null, '{"n":1}'],
    ]);
  });

  it('calls a frame whose header block is malformed bad, though its checksum matches', () => {
    const headers = Buffer.from(encodeHeaders([['tenant', 'acme']]));
    headers.writeUInt16LE(99, 2);
    const value = Buffer.from('{}');
    const buf = Buffer.alloc(frameSize('logs'.length, 0, 1, value.length, headers.length));
    writeFrame(buf, 0, 'logs', -1, null, 'r', value, 1, 0, headers);
    sealFrames(buf);
    assert.deepEqual(checkFrame(buf, 0, buf.length), { kind: 'bad', reason: 'malformed headers' });
  });

  it('tells a torn frame (short) from a corrupted one (bad)', () => {
    const { buf, ends } = frames(2);
    assert.equal(checkFrame(buf, 0, ends[0]! - 1).kind, 'short');
    const corrupted = Buffer.from(buf);
    corrupted[ends[0]! - 6] ^= 0xff;
    const check = checkFrame(corrupted, 0, corrupted.length);
    assert.deepEqual(check, { kind: 'bad', reason: 'checksum mismatch' });
  });
});

describe('spool segment recovery', () => {
  it('cuts a segment torn mid-frame back to its last whole frame', () => {
    const dir = tempDir();
    const { buf, ends } = frames(10);
    fs.writeFileSync(segmentFile(dir, 1), buf.subarray(0, ends[6]! + 17));
    const info = recoverSegment(dir, 1);
    assert.equal(info.messages, 7);
    assert.equal(info.bytes, ends[6]);
    assert.equal(fs.statSync(segmentFile(dir, 1)).size, ends[6]);
    assert.deepEqual(info.repairs.map((r) => [r.action, r.offset, r.bytes]), [['truncated', ends[6], 17]]);
  });

  it('steps over a corrupted frame followed by intact ones, and truncates nothing', () => {
    const dir = tempDir();
    const { buf, ends } = frames(10);
    const damaged = Buffer.from(buf);
    damaged[ends[3]! + 20] ^= 0x55; // inside frame 4's payload
    fs.writeFileSync(segmentFile(dir, 1), damaged);
    const info = recoverSegment(dir, 1);
    assert.equal(info.messages, 9);
    assert.equal(info.bytes, buf.length);
    assert.deepEqual(info.repairs.map((r) => [r.action, r.offset, r.bytes, r.reason]), [['skipped', ends[3], ends[4]! - ends[3]!, 'checksum mismatch']]);
  });

  it('counts only the messages after the checkpoint offset', () => {
    const dir = tempDir();
    const { buf, ends } = frames(10);
    fs.writeFileSync(segmentFile(dir, 4), buf);
    const info = recoverSegment(dir, 4, ends[5]);
    assert.equal(info.messages, 4);
    assert.equal(info.oldestAppendedAtMs, 1_700_000_000_006);
  });

  it('lists segments in order and keeps the checkpoint across a rewrite', () => {
    const dir = tempDir();
    for (const id of [12, 3, 7]) fs.writeFileSync(segmentFile(dir, id), '');
    fs.writeFileSync(path.join(dir, 'other.txt'), '');
    assert.deepEqual(listSegments(dir), [3, 7, 12]);
    assert.equal(readCheckpoint(dir), null);
    writeCheckpoint(dir, { segment: 7, offset: 4096 });
    writeCheckpoint(dir, { segment: 12, offset: 128 });
    assert.deepEqual(readCheckpoint(dir), { segment: 12, offset: 128 });
  });
});
