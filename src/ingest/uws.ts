// Loads a native uWebSockets.js build, and never a pure-JS stand-in (which
// builds load where: docs/ARCHITECTURE.md, "Constraints measured on Linux hosts").
//
// The official uWebSockets.js is not on the npm registry; two repackagings are
// dependencies, tried in this order (issue 11):
//   @btc-vision/uwebsockets.js  v20.57, Node ABI 115/127/137/141 (20/22/24/25), glibc ≥ 2.38
//   @trufflesuite/uws-js-unofficial  v20.30, ABI 93/108/115 (16/18/20), glibc ≥ 2.27
//     (the only native build for Node 20 on glibc < 2.38, e.g. Debian 12)
//   @btc-vision/uwebsockets.js/glibc-compat  v20.57 for the running Node's ABI, glibc ≥ 2.31:
//     the same binary with its glibc > 2.31 symbol versions dropped and a shim
//     for the few symbols older glibc lacks (scripts/uws-glibc-compat.js, run by
//     the release package's build and by `npm install` where it is needed);
//     last, so an unmodified build is preferred wherever one loads.
// Their entry points pick `uws_<platform>_<arch>_<abi>.node`; the trufflesuite
// one falls back to a slow `ws`-based server with only a warning when that
// binary does not load. So the loader requires the `.node` binary itself,
// never a package's entry point, and checks what loaded is the native module
// (it exports SSLApp and getParts, the fallback does not).
//
// The choice is a pure function of the builds present and the host
// (`planUwsLoad`, unit-tested); `loadNativeUws` gathers those facts, tries the
// plan in order and refuses to start, naming the host and what to install,
// when no build loads.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as UWS from 'uWebSockets.js';

// The daemon is typed against the older build's API (v20.30), which v20.57 extends.
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

/** No native uWebSockets.js build loads on this host: start-up stops. */
export class NativeServerMissingError extends Error {
  override readonly name = 'NativeServerMissingError';
}

/** A uWebSockets.js package the daemon depends on, as declared here. */
export interface UwsCandidate {
  /** What `require.resolve` takes: the dependency's name in package.json. */
  readonly specifier: string;
  /** Folder of the `.node` binaries, relative to the package root. */
  readonly binaryDir: string;
  /** Oldest glibc the Linux binaries link against (their newest GLIBC_x.y symbol version). */
  readonly minGlibc: string;
  /** Set for a build rewritten from the package's binaries: appended to its id (`name@version+variant`). */
  readonly variant?: string;
  /** What makes the binaries when they are absent (for the refusal message). */
  readonly madeBy?: string;
}

/** Newest first: the first one that loads natively wins. */
export const UWS_CANDIDATES: readonly UwsCandidate[] = [
  { specifier: '@btc-vision/uwebsockets.js', binaryDir: '.', minGlibc: '2.38' },
  { specifier: 'uWebSockets.js', binaryDir: 'binaries', minGlibc: '2.27' }, // @trufflesuite/uws-js-unofficial
  { specifier: '@btc-vision/uwebsockets.js', binaryDir: 'glibc-compat', minGlibc: '2.31', variant: 'glibc-compat',
    madeBy: 'node scripts/uws-glibc-compat.js' },
];

/** A candidate as found on disk. */
export interface UwsPackage {
  readonly candidate: UwsCandidate;
  /** name@version from its package.json (the alias's real name). */
  readonly id: string;
  readonly dir: string;
  /** File names of the `.node` binaries it ships. */
  readonly binaries: readonly string[];
}

export interface HostFacts {
  readonly platform: string;
  readonly arch: string;
  /** process.versions.modules */
  readonly abi: string;
  /** process.version */
  readonly node: string;
  /** glibc of the running process; undefined when not glibc (musl, macOS, Windows). */
  readonly glibc: string | undefined;
}

export interface UwsAttempt {
  readonly id: string;
  readonly binary: string;
  readonly path: string;
}

export interface UwsSkip {
  readonly id: string;
  readonly reason: string;
}

export interface UwsPlan {
  /** Binaries to try, in order. */
  readonly attempts: readonly UwsAttempt[];
  /** Packages left out, and why (for the refusal message). */
  readonly skipped: readonly UwsSkip[];
}

/** Node major line of each ABI (process.versions.modules) the builds ship. */
const NODE_LINE_OF_ABI: Readonly<Record<string, string>> = {
  '93': '16', '108': '18', '115': '20', '127': '22', '137': '24', '141': '25',
};

function binaryName(host: Pick<HostFacts, 'platform' | 'arch' | 'abi'>): string {
  return `uws_${host.platform}_${host.arch}_${host.abi}.node`;
}

/** Compares dotted version strings numerically: -1, 0 or 1. */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Which binaries to try on this host, in order; pure. */
export function planUwsLoad(packages: readonly UwsPackage[], host: HostFacts): UwsPlan {
  const attempts: UwsAttempt[] = [];
  const skipped: UwsSkip[] = [];
  const wanted = binaryName(host);
  for (const pkg of packages) {
    if (!pkg.binaries.includes(wanted)) {
      const madeBy = pkg.candidate.madeBy === undefined ? '' : ` (made by \`${pkg.candidate.madeBy}\`)`;
      skipped.push({ id: pkg.id, reason: `${pkg.candidate.madeBy === undefined ? 'ships' : 'has'} no ${wanted}${madeBy}` });
    } else if (host.platform === 'linux' && host.glibc === undefined) {
      skipped.push({ id: pkg.id, reason: 'its Linux binaries need glibc, and this process does not run on glibc (musl?)' });
    } else if (host.platform === 'linux' && compareVersions(host.glibc!, pkg.candidate.minGlibc) < 0) {
      skipped.push({ id: pkg.id, reason: `needs glibc ≥ ${pkg.candidate.minGlibc}` });
    } else {
      attempts.push({ id: pkg.id, binary: wanted, path: path.join(pkg.dir, pkg.candidate.binaryDir, wanted) });
    }
  }
  return { attempts, skipped };
}

/** What each package supports, from the binaries it ships: "Node 20/22/24 on glibc ≥ 2.38". */
function supportOf(pkg: UwsPackage, host: Pick<HostFacts, 'platform' | 'arch'>): string {
  const prefix = `uws_${host.platform}_${host.arch}_`;
  const lines = pkg.binaries
    .filter((b) => b.startsWith(prefix) && b.endsWith('.node'))
    .map((b) => b.slice(prefix.length, -'.node'.length))
    .sort((a, b) => Number(a) - Number(b))
    .map((abi) => NODE_LINE_OF_ABI[abi] ?? `ABI ${abi}`);
  const on = host.platform === 'linux' ? ` on glibc ≥ ${pkg.candidate.minGlibc}` : '';
  if (lines.length === 0 && pkg.candidate.madeBy !== undefined) return `${pkg.id}: none made`;
  return lines.length === 0
    ? `${pkg.id}: no binaries for ${host.platform}-${host.arch}`
    : `${pkg.id}: Node ${lines.join('/')}${on}`;
}

/** The start-up refusal: the host, why each build did not load, what would. */
function refusalMessage(host: HostFacts, packages: readonly UwsPackage[],
  failures: readonly UwsSkip[]): string {
  const glibc = host.glibc === undefined ? 'no glibc' : `glibc ${host.glibc}`;
  return `no native uWebSockets.js build loads on Node ${host.node} (ABI ${host.abi}), ` +
    `${host.platform}-${host.arch}, ${glibc}; refusing to start (never on a pure-JS fallback). ` +
    `Tried: ${failures.map((f) => `${f.id}: ${f.reason}`).join('; ') || 'no uWebSockets.js package is installed'}. ` +
    `Builds: ${packages.map((p) => supportOf(p, host)).join('; ')}. ` +
    'Install Node.js 22 or 24 on a glibc ≥ 2.38 distribution (Debian 13, Ubuntu 24.04, RHEL 10), ' +
    'or Node.js 20 on an older one (e.g. Debian 12), then run npm install again; ' +
    'or, for Node.js 22/24 on glibc 2.31–2.37, install the release package or run `node scripts/uws-glibc-compat.js` ' +
    '(needs cc and patchelf; docs/operations.md, "Platforms").';
}

export function hostFacts(): HostFacts {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return {
    platform: process.platform,
    arch: process.arch,
    abi: process.versions.modules,
    node: process.version,
    glibc: header?.glibcVersionRuntime,
  };
}

/** The candidates that are installed, with the binaries each ships. */
export function findUwsPackages(candidates: readonly UwsCandidate[] = UWS_CANDIDATES): {
  packages: UwsPackage[]; missing: UwsSkip[];
} {
  const packages: UwsPackage[] = [];
  const missing: UwsSkip[] = [];
  for (const candidate of candidates) {
    let entry: string;
    try {
      // Resolves the entry point's path without running it (`exports` hides package.json).
      entry = require.resolve(candidate.specifier);
    } catch {
      missing.push({ id: candidate.specifier, reason: 'not installed' });
      continue;
    }
    let dir = path.dirname(entry);
    while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    const meta = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
    const binaryDir = path.join(dir, candidate.binaryDir);
    const binaries = existsSync(binaryDir) ? readdirSync(binaryDir).filter((f) => f.endsWith('.node')) : [];
    const variant = candidate.variant === undefined ? '' : `+${candidate.variant}`;
    packages.push({ candidate, id: `${meta.name ?? candidate.specifier}@${meta.version ?? '?'}${variant}`, dir, binaries });
  }
  return { packages, missing };
}

export interface LoadedUws {
  readonly uws: typeof UWS;
  /** name@version of the package whose binary loaded. */
  readonly build: string;
  readonly binary: string;
  readonly host: HostFacts;
}

type RequireBinary = (file: string) => unknown;

function isNative(mod: unknown): mod is typeof UWS {
  const m = mod as Partial<Record<'App' | 'SSLApp' | 'getParts', unknown>> | null;
  return typeof m?.App === 'function' && typeof m.SSLApp === 'function' && typeof m.getParts === 'function';
}

export function loadNativeUws(host: HostFacts = hostFacts(), found = findUwsPackages(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  requireBinary: RequireBinary = (file) => require(file)): LoadedUws {
  const plan = planUwsLoad(found.packages, host);
  const failures: UwsSkip[] = [...found.missing, ...plan.skipped];
  for (const attempt of plan.attempts) {
    let mod: unknown;
    try {
      mod = requireBinary(attempt.path);
    } catch (err) {
      failures.push({ id: attempt.id, reason: `${attempt.binary} did not load: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    if (!isNative(mod)) {
      failures.push({ id: attempt.id, reason: `${attempt.binary} is not the native module (no SSLApp/getParts)` });
      continue;
    }
    return { uws: mod, build: attempt.id, binary: attempt.binary, host };
  }
  throw new NativeServerMissingError(refusalMessage(host, found.packages, failures));
}
