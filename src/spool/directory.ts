// The start-up and --check-config check of spool.dir: it exists (created if
// missing), a file can be written and synced in it, and it is on a local
// filesystem — fdatasync on a network filesystem does not promise what the
// spool's answers promise. Synchronous: it runs before the daemon serves.
import fs from 'node:fs';
import path from 'node:path';

/** statfs f_type values of network filesystems (linux/magic.h and the
 * filesystems' own sources). */
const NETWORK_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0x517b, 'smb'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x00c36400, 'ceph'],
  [0x5346414f, 'afs'],
  [0x01021997, 'v9fs'],
  [0x47504653, 'gpfs'],
  [0x0bd00bd0, 'lustre'],
]);

export class SpoolDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpoolDirectoryError';
  }
}

export interface SpoolDirectoryReport {
  readonly dir: string;
  /** statfs f_type, hexadecimal. */
  readonly filesystemType: string;
  readonly freeBytes: number;
}

export function checkSpoolDirectory(dir: string): SpoolDirectoryReport {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new SpoolDirectoryError(`spool.dir ${dir}: cannot create it: ${(err as Error).message}`);
  }
  const stats = fs.statfsSync(dir);
  const network = NETWORK_FILESYSTEMS.get(stats.type);
  if (network !== undefined) {
    throw new SpoolDirectoryError(`spool.dir ${dir} is on a network filesystem (${network}); the spool needs a local disk, where fdatasync means the bytes are on it`);
  }
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    const fd = fs.openSync(probe, 'w');
    try {
      fs.writeSync(fd, 'metricstream spool write check\n');
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.unlinkSync(probe);
  } catch (err) {
    throw new SpoolDirectoryError(`spool.dir ${dir} is not writable: ${(err as Error).message}`);
  }
  return { dir, filesystemType: `0x${stats.type.toString(16)}`, freeBytes: stats.bavail * stats.bsize };
}
