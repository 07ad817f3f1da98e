// Errors in Elasticsearch's own shape. A bulk request whose action lines
// cannot be read is refused whole (as Elasticsearch does: once an action line
// is unreadable the action/source pairing is lost); a document that cannot be
// taken is only its own item's error (bulk.ts).

/** The `error` object of a refused item or request, as Elasticsearch writes it. */
export interface EsErrorCause {
  readonly type: string;
  readonly reason: string;
}

export type BulkRequestErrorCode =
  | 'invalid_action'     // an action line that is not {"<action>": {...}}
  | 'missing_source'     // an index/create action with no source line after it
  | 'too_many_records'   // more actions than the limit
  | 'invalid_utf8';      // the body is not UTF-8 text

export class BulkRequestError extends Error {
  readonly code: BulkRequestErrorCode;
  /** 1-based line of the body the problem is on, when it is on one. */
  readonly line: number | undefined;
  readonly esError: EsErrorCause;

  constructor(code: BulkRequestErrorCode, cause: EsErrorCause, line?: number) {
    super(cause.reason);
    this.name = 'BulkRequestError';
    this.code = code;
    this.line = line;
    this.esError = cause;
  }
}

/** The body Elasticsearch answers a refused request with. */
export function esErrorBody(cause: EsErrorCause, status: number): { error: EsErrorCause & { root_cause: EsErrorCause[] }; status: number } {
  return { error: { root_cause: [{ type: cause.type, reason: cause.reason }], type: cause.type, reason: cause.reason }, status };
}
