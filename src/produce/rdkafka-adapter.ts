// The one module that uses node-rdkafka beyond its public, typed API (and the
// one that loads it). metricstream's patch adds produceWithId() and
// takeDelivered() to node-rdkafka's native Producer; the producer also
// replaces node-rdkafka's delivery callback (`_cb_configs`) and builds
// node-rdkafka's error class (`lib/error`). All three are private and may
// change with any node-rdkafka release, so before the first handle is made a
// self-check compares them with what this module was written for, and start-up
// fails naming each difference and its fix, rather than running slower or
// failing obscurely later.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LibrdKafkaError, Producer } from 'node-rdkafka';

/** The node-rdkafka release the patch and this module were written for
 * (package.json pins it; scripts/patch-node-rdkafka.js has the same VERSION). */
export const NODE_RDKAFKA_VERSION = '3.6.1';
const PATCH_FILE = `patches/node-rdkafka-${NODE_RDKAFKA_VERSION}-delivered-ids.patch`;
/** sha256 of PATCH_FILE. scripts/patch-node-rdkafka.js writes the digest of the
 * patch it built into the addon to PATCH_MARKER. */
export const PATCH_SHA256 = '43393ec2ec9173ae38f0a07536d83c8355a65f25eefaeda9c63e14d12865fa04';
/** Relative to node-rdkafka's directory. */
export const PATCH_MARKER = 'build/metricstream-patch.sha256';

/** How to get a build that passes the self-check. */
const REINSTALL = 'run `npm install` (its postinstall, scripts/patch-node-rdkafka.js, applies the patch and rebuilds the addon)';
function rebase(version: string): string {
  return `rebase ${PATCH_FILE} and src/produce/rdkafka-adapter.ts onto node-rdkafka ${version}`;
}

/**
 * The patch's native methods, on node-rdkafka's native client
 * (`Producer._client`). produceWithId() queues one message whose value and
 * key are byte ranges of `data`, with the header headerName = headerValue
 * followed by the headers encoded in data[headersAt, headersAt + headersBytes)
 * (src/ring/headers.ts; 0 bytes: none), and a numeric opaque `id` (an integer
 * below 2^52); it returns librdkafka's error code (0: queued).
 * takeDelivered() moves the ids of successful deliveries into `out` and
 * returns how many. Failed deliveries still come through the delivery
 * callback, opaque = id.
 */
export interface DeliveredIdsClient {
  produceWithId(topic: string, partition: number | null, data: Buffer, valueAt: number, valueBytes: number,
    keyAt: number, keyBytes: number, id: number, headerName: string, headerValue: string, headersAt: number, headersBytes: number): number;
  takeDelivered(out: Float64Array): number;
}

/** The TypeError each of the patch's methods throws when called without
 * arguments (patches/, producer.cc), before touching anything: the proof that
 * the loaded addon has the patch's methods with the patch's parameters. */
const PATCH_USAGE: Readonly<Record<keyof DeliveredIdsClient, string>> = {
  produceWithId: 'produceWithId(topic, partition, data, valueAt, valueBytes, keyAt, keyBytes, id, headerName, headerValue, headersAt, headersBytes)',
  takeDelivered: 'takeDelivered(Float64Array)',
};

/** What a delivery report carries here: dr_cb, not dr_msg_cb, so no payload. */
export interface DeliveryReportFields {
  opaque?: unknown;
  topic: string;
}
export type DeliveryReportHandler = (error: LibrdKafkaError | null, report: DeliveryReportFields) => void;

/** node-rdkafka's delivery callback as lib/producer.js registers it: called
 * with the addon's raw error; `dr_msg_cb` false means no payload copy. */
type DeliveryCallback = ((error: unknown, report: DeliveryReportFields) => void) & { dr_msg_cb?: unknown };

/** Where node-rdkafka 3.6.1 keeps the callbacks it hands the addon at connect(). */
interface CallbackConfigs {
  event: { delivery_cb: DeliveryCallback };
}

export type LibrdkafkaProperties = Record<string, string | number | boolean>;

/** What this adapter uses of an installed node-rdkafka: loadNodeRdkafka()
 * reads the real one; the self-check takes any, so tests pass altered ones. */
export interface NodeRdkafkaPackage {
  /** Its directory, for messages. */
  readonly dir: string;
  /** package.json's `version` (node-rdkafka writes it with a leading v). */
  readonly version: string;
  /** librdkafka's version, as the addon reports it. */
  readonly librdkafkaVersion: string;
  /** The content of PATCH_MARKER; null when the file is absent. */
  readonly patchMarker: string | null;
  readonly Producer: typeof Producer;
  /** lib/error.js; undefined when it cannot be loaded. */
  readonly errorModule: unknown;
}

/** node-rdkafka is not what this adapter expects; `differences` says what,
 * each with its fix, and the message lists them all. */
export class NodeRdkafkaMismatchError extends Error {
  readonly differences: readonly string[];

  constructor(dir: string, differences: readonly string[]) {
    super(`node-rdkafka at ${dir} is not what metricstream expects (src/produce/rdkafka-adapter.ts):\n`
      + differences.map((d) => `- ${d}`).join('\n'));
    this.name = 'NodeRdkafkaMismatchError';
    this.differences = differences;
  }
}

/** Reads the installed node-rdkafka. Throws NodeRdkafkaMismatchError when it
 * cannot be loaded at all. */
export function loadNodeRdkafka(): NodeRdkafkaPackage {
  let dir = 'node_modules/node-rdkafka';
  try {
    dir = path.dirname(require.resolve('node-rdkafka/package.json'));
    const manifest = require('node-rdkafka/package.json') as { version?: unknown };
    const rdkafka = require('node-rdkafka') as typeof import('node-rdkafka');
    return {
      dir,
      version: String(manifest.version),
      librdkafkaVersion: rdkafka.librdkafkaVersion,
      patchMarker: readOptional(path.join(dir, PATCH_MARKER)),
      Producer: rdkafka.Producer,
      errorModule: requireOptional('node-rdkafka/lib/error'),
    };
  } catch (err) {
    throw new NodeRdkafkaMismatchError(dir, [`node-rdkafka cannot be loaded (${(err as Error).message}): ${REINSTALL}`]);
  }
}

function readOptional(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function requireOptional(id: string): unknown {
  try {
    return require(id) as unknown;
  } catch {
    return undefined;
  }
}

/** Every way `pkg` differs from what this adapter expects, each with its fix;
 * empty when it fits. Makes one producer handle, never connected. */
export function nodeRdkafkaDifferences(pkg: NodeRdkafkaPackage): string[] {
  const differences: string[] = [];
  const version = versionOf(pkg);
  if (version !== NODE_RDKAFKA_VERSION) {
    differences.push(`node-rdkafka ${version} is installed; ${PATCH_FILE} and this adapter are for ${NODE_RDKAFKA_VERSION}: `
      + `reinstall ${NODE_RDKAFKA_VERSION} (the version package.json pins; \`npm install\`), or ${rebase(version)}`);
  }
  const marker = pkg.patchMarker?.trim();
  if (marker === undefined) {
    differences.push(`${PATCH_MARKER} is missing: node-rdkafka's addon was not built with ${PATCH_FILE}; ${REINSTALL}`);
  } else if (marker !== PATCH_SHA256) {
    differences.push(`${PATCH_MARKER} is ${marker}, not ${PATCH_SHA256}: the addon was built with another version of the patch; ${REINSTALL}`);
  }
  differences.push(...errorModuleDifferences(pkg.errorModule, version));
  let probe: Producer | undefined;
  try {
    probe = new pkg.Producer({ dr_cb: true }, {});
  } catch (err) {
    differences.push(`new Producer({ dr_cb: true }) threw (${(err as Error).message}): ${rebase(version)}`);
  }
  if (probe !== undefined) readInternals(probe, version, differences);
  return differences;
}

/** The librdkafka code the self-check turns into an error: ERR__QUEUE_FULL. */
const QUEUE_FULL = -184;

type ErrorFactory = (raw: unknown) => LibrdKafkaError;

function versionOf(pkg: NodeRdkafkaPackage): string {
  return pkg.version.replace(/^v/, '');
}

function errorModuleDifferences(errorModule: unknown, version: string): string[] {
  const create = (errorModule as { create?: unknown } | undefined)?.create;
  if (typeof create !== 'function') return [`node-rdkafka/lib/error has no create(): ${rebase(version)}`];
  try {
    const error = (create as ErrorFactory)(QUEUE_FULL);
    if (error instanceof Error && error.code === QUEUE_FULL && typeof error.message === 'string' && error.message !== '') return [];
    return [`node-rdkafka/lib/error create(${QUEUE_FULL}) gave ${describe(error)}, not an Error with code ${QUEUE_FULL} and a message: ${rebase(version)}`];
  } catch (err) {
    return [`node-rdkafka/lib/error create(${QUEUE_FULL}) threw (${(err as Error).message}): ${rebase(version)}`];
  }
}

interface ProducerInternals {
  client: DeliveredIdsClient;
  callbacks: CallbackConfigs;
}

/** The private parts of a Producer made with dr_cb, or null after adding to
 * `differences` what is not where node-rdkafka 3.6.1 and the patch put it. */
function readInternals(producer: Producer, version: string, differences: string[]): ProducerInternals | null {
  const before = differences.length;
  const { _client: client, _cb_configs: callbacks } = producer as unknown as { _client?: unknown; _cb_configs?: unknown };
  if (typeof client !== 'object' || client === null) {
    differences.push(`Producer._client (node-rdkafka's native client) is missing: ${rebase(version)}`);
  } else {
    for (const method of Object.keys(PATCH_USAGE) as Array<keyof DeliveredIdsClient>) {
      const difference = patchMethodDifference(client as Record<string, unknown>, method, version);
      if (difference !== null) differences.push(difference);
    }
  }
  const deliveryCallback = (callbacks as { event?: { delivery_cb?: unknown } } | undefined)?.event?.delivery_cb;
  if (typeof deliveryCallback !== 'function') {
    differences.push(`Producer._cb_configs.event.delivery_cb (the delivery callback node-rdkafka registers at connect) is missing: ${rebase(version)}`);
  } else if ((deliveryCallback as DeliveryCallback).dr_msg_cb !== false) {
    differences.push(`Producer._cb_configs.event.delivery_cb.dr_msg_cb is ${describe((deliveryCallback as DeliveryCallback).dr_msg_cb)}, `
      + `not false, for a producer made with dr_cb: ${rebase(version)}`);
  }
  if (differences.length > before) return null;
  return { client: client as DeliveredIdsClient, callbacks: callbacks as CallbackConfigs };
}

function patchMethodDifference(client: Record<string, unknown>, method: keyof DeliveredIdsClient, version: string): string | null {
  const fn = client[method];
  const expected = `TypeError "${PATCH_USAGE[method]}"`;
  if (typeof fn !== 'function') return `the native Producer has no ${method}(): the addon was built without ${PATCH_FILE}; ${REINSTALL}`;
  let outcome: string;
  try {
    outcome = `returned ${describe((fn as () => unknown).call(client))}`;
  } catch (err) {
    if (err instanceof TypeError && err.message === PATCH_USAGE[method]) return null;
    outcome = `threw ${describe(err)}`;
  }
  return `the native Producer's ${method}() is not the patch's: called without arguments it ${outcome}, not ${expected}; `
    + `${REINSTALL}, or if that does not help, ${rebase(version)}`;
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name} "${value.message}"`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A Producer whose delivery reports go straight to a handler, and the patch's
 * methods on its native client. */
export interface ReportingProducer {
  /** node-rdkafka's Producer, for its public API (connect, poll, produce, flush, disconnect, events). */
  producer: Producer;
  deliveredIds: DeliveredIdsClient;
}

let installed: NodeRdkafka | undefined;

/** The checked node-rdkafka: handles and errors made through it. */
export class NodeRdkafka {
  /** The installed node-rdkafka, self-checked on first use (once per process).
   * Throws NodeRdkafkaMismatchError naming every difference. */
  static installed(): NodeRdkafka {
    installed ??= new NodeRdkafka(loadNodeRdkafka());
    return installed;
  }

  readonly #pkg: NodeRdkafkaPackage;
  readonly #createError: ErrorFactory;

  /** Runs the self-check on `pkg`; throws NodeRdkafkaMismatchError. */
  constructor(pkg: NodeRdkafkaPackage) {
    const differences = nodeRdkafkaDifferences(pkg);
    if (differences.length > 0) throw new NodeRdkafkaMismatchError(pkg.dir, differences);
    this.#pkg = pkg;
    this.#createError = (pkg.errorModule as { create: ErrorFactory }).create;
  }

  /** node-rdkafka's and librdkafka's versions (for the start-up log line). */
  get versions(): { nodeRdkafka: string; librdkafka: string } {
    return { nodeRdkafka: versionOf(this.#pkg), librdkafka: this.#pkg.librdkafkaVersion };
  }

  /** The SHA-256 of the delivered-ids patch built into the addon (the self-check compared it). */
  get patchSha256(): string {
    return PATCH_SHA256;
  }

  /** A plain Producer, used through node-rdkafka's public API only. */
  createProducer(global: LibrdkafkaProperties, topic: LibrdkafkaProperties): Producer {
    return new this.#pkg.Producer(global, topic);
  }

  /**
   * A Producer with delivery reports (dr_cb: without the payload copied back
   * into a JS Buffer, src/callbacks.cc) handed straight to `onReport`, in place
   * of node-rdkafka's own delivery callback, which wraps the error and
   * re-emits each report as a 'delivery-report' event (an EventEmitter
   * dispatch per record on the main thread). node-rdkafka registers
   * `_cb_configs.event.delivery_cb` with the addon at connect().
   */
  createReportingProducer(global: LibrdkafkaProperties, topic: LibrdkafkaProperties, onReport: DeliveryReportHandler): ReportingProducer {
    const producer = new this.#pkg.Producer({ ...global, dr_cb: true }, topic);
    const differences: string[] = [];
    const internals = readInternals(producer, versionOf(this.#pkg), differences);
    if (internals === null) throw new NodeRdkafkaMismatchError(this.#pkg.dir, differences);
    const createError = this.#createError;
    const direct = (error: unknown, report: DeliveryReportFields): void => onReport(error ? createError(error) : null, report);
    internals.callbacks.event.delivery_cb = Object.assign(direct, { dr_msg_cb: false });
    return { producer, deliveredIds: internals.client };
  }

  /** node-rdkafka's LibrdKafkaError (what its own reports and exceptions
   * carry) from a librdkafka error code or an error of the addon. */
  error(raw: unknown): LibrdKafkaError {
    return this.#createError(raw);
  }
}
