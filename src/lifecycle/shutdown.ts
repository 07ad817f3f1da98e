// Ordered shutdown on SIGTERM/SIGINT, following the data under one deadline:
//
//   readiness false ─► listener closed ─► requests finish (decode → produce →
//   delivery reports) ─► librdkafka flushed ─► workers stopped ─► exit
//
// At the deadline, requests still open — in the ledger, or still receiving
// their body — are answered 503 and the Kafka messages librdkafka still holds
// are counted and logged; the exit code is then 1 (it is 1 whenever anything
// was pending at the deadline). A second signal exits at once.
import type { Logger } from 'pino';

export interface DrainStages {
  readonly drainTimeoutMs: number;
  /** Readiness false, new requests 503, listener closed. */
  stopAccepting(): void;
  /** Requests not yet answered (body still arriving included) and Kafka messages not yet settled. */
  pending(): { requests: number; messages: number };
  /** Polls librdkafka for delivery reports for up to `ms`. */
  flush(ms: number): Promise<void>;
  /** Answers every open request 503, those still receiving their body too; returns how many. */
  abandon(): number;
  /** Stops workers, producer and listeners. */
  close(): Promise<void>;
}

const STEP_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function drain(stages: DrainStages, log: Logger): Promise<number> {
  const started = Date.now();
  const deadline = started + stages.drainTimeoutMs;
  stages.stopAccepting();
  log.info({ drainTimeoutMs: stages.drainTimeoutMs, ...stages.pending() }, 'draining: no longer accepting requests');
  for (;;) {
    const pending = stages.pending();
    if (pending.requests === 0 && pending.messages === 0) break;
    const left = deadline - Date.now();
    if (left <= 0) break;
    // flush() returns at once when librdkafka's queue is empty while requests
    // are still decoding; the sleep keeps this loop from spinning.
    await Promise.all([stages.flush(Math.min(STEP_MS, left)), sleep(Math.min(10, left))]);
  }
  const left = stages.pending();
  let abandoned = 0;
  const pendingAtDeadline = left.requests > 0 || left.messages > 0;
  if (pendingAtDeadline) {
    abandoned = stages.abandon();
    log.error({ requestsAnswered503: abandoned, messagesUndelivered: left.messages },
      'drain deadline passed: open requests answered 503; their records may or may not be in Kafka');
  }
  await stages.close();
  const exitCode = pendingAtDeadline ? 1 : 0;
  log.info({ drainMs: Date.now() - started, exitCode }, 'drained');
  return exitCode;
}

/** Runs `onSignal` on the first SIGTERM/SIGINT, exits at once on the second. */
export function onShutdownSignal(log: Logger, onSignal: (signal: NodeJS.Signals) => void): void {
  let received = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (received) {
      log.warn({ signal }, 'second signal: exiting without draining');
      process.exit(130);
    }
    received = true;
    onSignal(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
