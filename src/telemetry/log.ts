// The daemon's one pino instance: JSON lines on stdout (journald reads them).
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'metricstream' }, timestamp: pino.stdTimeFunctions.isoTime });
}
