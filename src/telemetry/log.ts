// The daemon's one pino instance: JSON lines on stdout (journald reads them).
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'metricstream' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * A log call that writes at most once per `intervalMs`; the next line that
 * gets through says how many were suppressed. For errors that can repeat per
 * request (a failing worker, a refusing broker) without flooding journald.
 */
export function rateLimited(log: Logger, level: 'warn' | 'error', intervalMs: number): (context: object, message: string) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (context, message) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed++;
      return;
    }
    last = now;
    log[level]({ ...context, suppressedSinceLast: suppressed }, message);
    suppressed = 0;
  };
}

/** rateLimited() per key: each key (e.g. an error code) has its own interval,
 * so a flood of one refusal does not hide the first of another. */
export function rateLimitedByKey(log: Logger, level: 'warn' | 'error', intervalMs: number): (key: string, context: object, message: string) => void {
  const byKey = new Map<string, (context: object, message: string) => void>();
  return (key, context, message) => {
    let write = byKey.get(key);
    if (write === undefined) {
      write = rateLimited(log, level, intervalMs);
      byKey.set(key, write);
    }
    write(context, message);
  };
}
