// The one error the HEC decoder raises: the HEC status to answer with and,
// for a 400 about one event, its 0-based index (`invalid-event-number`).
import { hecAnswer, type HecAnswer, type HecStatus } from './answers';

export class HecDecodeError extends Error {
  readonly status: HecStatus;
  readonly eventNumber: number | undefined;

  constructor(status: HecStatus, detail: string, eventNumber?: number) {
    super(eventNumber === undefined ? `${status.text}: ${detail}` : `${status.text}: event ${eventNumber}: ${detail}`);
    this.name = 'HecDecodeError';
    this.status = status;
    this.eventNumber = eventNumber;
  }

  answer(): HecAnswer {
    return hecAnswer(this.status, this.eventNumber);
  }
}
