// What a remote_write answer says was written: the
// X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written headers of
// the 2.0 spec. Prometheus compares them with what it sent: a 2xx saying
// nothing was written for a non-empty request is a failure it does not retry,
// and any shortfall is counted in its prometheus_remote_storage_*_failed_total.
// Sent for 1.0 requests too, which Prometheus also reads.
import type { AnswerDetail } from '../protocol';

export interface WrittenCounts {
  readonly samples: number;
  readonly histograms: number;
  readonly exemplars: number;
}

/** The counts as a decoder's answer detail (crosses postMessage as plain data). */
export function writtenCounts(counts: WrittenCounts): AnswerDetail {
  return { samples: counts.samples, histograms: counts.histograms, exemplars: counts.exemplars };
}

function count(detail: AnswerDetail | undefined, kind: keyof WrittenCounts): string {
  const value = detail?.[kind];
  return String(typeof value === 'number' ? value : 0);
}

/** The written-counts headers of an answer (lower-case names). */
export function writtenHeaders(detail: AnswerDetail | undefined): Record<string, string> {
  return {
    'x-prometheus-remote-write-samples-written': count(detail, 'samples'),
    'x-prometheus-remote-write-histograms-written': count(detail, 'histograms'),
    'x-prometheus-remote-write-exemplars-written': count(detail, 'exemplars'),
  };
}
