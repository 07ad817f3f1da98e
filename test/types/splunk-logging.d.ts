// The part of splunk-logging 0.11.1 (no type declarations of its own) the tests use.
declare module 'splunk-logging' {
  import type { IncomingMessage } from 'node:http';

  export interface SplunkLoggerConfig {
    token: string;
    url?: string;
    maxRetries?: number;
    maxBatchCount?: number;
  }

  export interface SplunkPayload {
    message: unknown;
    severity?: string;
    metadata?: { host?: string; source?: string; sourcetype?: string; index?: string };
  }

  export class Logger {
    constructor(config: SplunkLoggerConfig);
    error: (error: Error, context: unknown) => void;
    send(payload: SplunkPayload, callback?: (error: Error | null, response: IncomingMessage | undefined, body: unknown) => void): void;
  }
}
