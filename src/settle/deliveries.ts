// Where a delivery report goes. The producer hands back each message's
// opaque: a number is a request's ticket, settled in the ledger; an object
// that settles itself is the spool replay's (src/spool/replay.ts).
import type { Logger } from 'pino';
import { rateLimited } from '../telemetry/log';
import { settleDelivery, type DeliveryFailure, type Ledger } from './ledger';

/** A failed delivery's error: librdkafka's, as node-rdkafka reports it. */
interface DeliveryError {
  readonly message: string;
}

/** An opaque that knows what its delivery settles. */
export interface SettlesItself {
  settle(error: DeliveryError | null): void;
}

/** `describe` turns a failed delivery into what the client is told (a catalogue code and why). */
export function routeDeliveries<E extends DeliveryError>(ledger: Ledger, describe: (error: E, topic: string) => DeliveryFailure,
  log: Logger): (error: E | null, opaque: unknown, topic: string) => void {
  const logUnmatched = rateLimited(log, 'error', 10_000);
  return (error, opaque, topic) => {
    if (typeof opaque === 'number') {
      if (settleDelivery(ledger, opaque, error === null ? null : describe(error, topic))) return;
    } else if (isSettlesItself(opaque)) {
      return opaque.settle(error);
    }
    logUnmatched({ opaque: String(opaque), err: error?.message }, 'delivery report for no open request (a bug: please report it)');
  };
}

function isSettlesItself(opaque: unknown): opaque is SettlesItself {
  return typeof opaque === 'object' && opaque !== null && typeof (opaque as Partial<SettlesItself>).settle === 'function';
}
