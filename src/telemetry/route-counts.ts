// Answers per route, counted in plain fields on the answer path: requests
// answered, those refused (status 400 and above) and the records accepted
// in successful answers. /metrics (metricstream_http_records_total) and the
// status page's rates (rate-history.ts) read these totals.

export interface RouteTotals {
  requests: number;
  refused: number;
  records: number;
}

/** Routes come from the route table, so the map stays small; the cap only
 * guards against a caller that passes something else. */
export const MAX_ROUTES = 64;
const OVERFLOW_ROUTE = 'other';

export class RouteCounts {
  readonly #byRoute = new Map<string, RouteTotals>();

  /** The totals of `route`, created on first use (callers may keep the object). */
  of(route: string): RouteTotals {
    let totals = this.#byRoute.get(route);
    if (totals === undefined) {
      if (this.#byRoute.size >= MAX_ROUTES - 1 && route !== OVERFLOW_ROUTE) return this.of(OVERFLOW_ROUTE);
      totals = { requests: 0, refused: 0, records: 0 };
      this.#byRoute.set(route, totals);
    }
    return totals;
  }

  accepted(route: string, records: number): void {
    this.of(route).records += records;
  }

  get totals(): ReadonlyMap<string, Readonly<RouteTotals>> {
    return this.#byRoute;
  }
}
