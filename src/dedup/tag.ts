// A key's success as bytes: carried in the spool frame of its request's last
// message (so it is on disk exactly when the records are) and in the spool's
// dedup log (src/spool/dedup-log.ts). JSON: small, and readable with a hex dump.
import type { Remembered } from './window';

/** The longest tag a spool frame takes (src/spool/frame.ts checks the same bound). */
export const MAX_TAG_BYTES = 0xffff;

export interface KeyRecord {
  readonly key: string;
  readonly remembered: Remembered;
}

/** The tag, or null when it would not fit a frame (a huge partial-success message). */
export function encodeTag(key: string, remembered: Remembered): Buffer | null {
  const bytes = Buffer.from(JSON.stringify({ k: key, r: remembered }), 'utf8');
  return bytes.length > MAX_TAG_BYTES ? null : bytes;
}

/** The record a tag holds, or null when it is not one. */
export function decodeTag(bytes: Buffer): KeyRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const { k, r } = parsed as { k?: unknown; r?: unknown };
  if (typeof k !== 'string' || r === null || typeof r !== 'object') return null;
  const remembered = r as Partial<Remembered>;
  if (typeof remembered.fingerprint !== 'string' || typeof remembered.contentType !== 'string' || typeof remembered.accepted !== 'number') return null;
  return { key: k, remembered: remembered as Remembered };
}
