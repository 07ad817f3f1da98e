// The idempotency window kept in the spool directory (src/spool/dedup-log.ts):
// restored at start from dedup.log and from the tags of the frames still on
// disk, so a request whose records were synced is known whether or not its
// line was written; a torn line is skipped; successes are appended and synced.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { encodeTag } from '../../src/dedup/tag';
import { DedupWindow, type Remembered } from '../../src/dedup/window';
import { DedupLog } from '../../src/spool/dedup-log';
import { checkFrame, frameSize, readFrame, sealFrames, writeFrame } from '../../src/spool/frame';
import { segmentFile } from '../../src/spool/segments';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dedup-log-test-'));
  dirs.push(dir);
  return dir;
}

const remembered = (fingerprint: string, accepted: number): Remembered => ({ fingerprint, contentType: 'application/json', accepted });

/** A frame as the journal lays it out; `tag` on a request's last message. */
function frame(id: string, appendedAtMs: number, tag: Buffer | null): Buffer {
  const value = Buffer.from('{"v":1}');
  const buf = Buffer.alloc(frameSize(7, 0, id.length, value.length, 0, tag?.length ?? 0));
  writeFrame(buf, 0, 'metrics', -1, null, id, value, 1, appendedAtMs, null, tag);
  return buf;
}

function window(now: number): DedupWindow {
  return new DedupWindow({ windowMs: 600_000, maxKeys: 1000, maxBytes: 1024 * 1024 }, () => now);
}

describe('spool dedup log', () => {
  it('a frame with a tag reads back with it; one without (every older segment) reads with none', () => {
    const tag = encodeTag('a:c metrics k1', remembered('fp', 2))!;
    const buf = Buffer.concat([frame('r/0', 1, null), frame('r/1', 2, tag)]);
    sealFrames(buf);
    const first = checkFrame(buf, 0, buf.length);
    assert.equal(first.kind, 'frame');
    assert.equal(readFrame(buf, 0).tag, null);
    const size = first.kind === 'frame' ? first.size : 0;
    assert.equal(checkFrame(buf, size, buf.length).kind, 'frame');
    assert.deepEqual(readFrame(buf, size).tag, tag);
    assert.equal(readFrame(buf, size).value.toString(), '{"v":1}');
  });

  it('restores keys from the log and from the segments\' tags, skips a torn line, and rewrites the log', async () => {
    const dir = tempDir();
    const now = 1_000_000;
    fs.writeFileSync(path.join(dir, 'dedup.log'),
      JSON.stringify({ k: 'logged', r: remembered('fp-l', 4), t: now - 1000 }) + '\n'
      + JSON.stringify({ k: 'expired', r: remembered('fp-e', 4), t: now - 700_000 }) + '\n'
      + '{"k":"torn","r":{"finger');
    const segment = Buffer.concat([frame('a/0', now - 500, null), frame('a/1', now - 500, encodeTag('synced-unanswered', remembered('fp-s', 2)))]);
    sealFrames(segment);
    fs.writeFileSync(segmentFile(dir, 1), segment);
    const w = window(now);
    const { dedupLog, restored } = await DedupLog.open(dir, w, [[1, segment.length]], log);
    assert.equal(restored, 2);
    assert.deepEqual(w.claim('logged', 'fp-l'), { kind: 'replay', remembered: remembered('fp-l', 4) });
    assert.deepEqual(w.claim('synced-unanswered', 'fp-s'), { kind: 'replay', remembered: remembered('fp-s', 2) });
    assert.equal(w.claim('expired', 'fp-e').kind, 'first');
    assert.equal(w.claim('torn', 'x').kind, 'first');
    const rewritten = fs.readFileSync(path.join(dir, 'dedup.log'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { k: string }).k);
    assert.deepEqual(rewritten, ['logged', 'synced-unanswered']);
    await dedupLog.close();
  });

  it('appends each new success and has it synced before flushed() resolves; a restart finds it', async () => {
    const dir = tempDir();
    const w = window(2_000);
    const { dedupLog } = await DedupLog.open(dir, w, [], log);
    const claim = w.claim('k1', 'fp');
    assert.equal(claim.kind, 'first');
    if (claim.kind === 'first') claim.settle(remembered('fp', 9));
    await dedupLog.flushed();
    await dedupLog.close();
    const again = window(3_000);
    await (await DedupLog.open(dir, again, [], log)).dedupLog.close();
    assert.deepEqual(again.claim('k1', 'fp'), { kind: 'replay', remembered: remembered('fp', 9) });
  });
});
