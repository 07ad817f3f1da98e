// What InfluxDB clients ask besides writing, answered on the listener without
// reading a body (src/ingest/server.ts):
//   GET|HEAD /ping     204 with X-Influxdb-Version (InfluxDB 1.x clients read it)
//   GET|HEAD /health   200 {"status":"pass"}, 503 "fail" while the daemon is not ready
//   POST|GET /query    200 {"results":[{"statement_id":0}]}: Telegraf's v1 output
//                      sends `CREATE DATABASE` at start (form-encoded body, not
//                      read here: the database travels with each write as a
//                      label). A `q` in the query string other than CREATE
//                      DATABASE is refused (400): this is not a database.
import type { Probe } from '../protocol';
import { healthAnswer, pingAnswer, queryAnswer, toReply } from './answers';

const CREATED = toReply(queryAnswer('CREATE DATABASE "any"'));

export const INFLUX_PROBES: readonly Probe[] = [
  { methods: ['get', 'head'], path: '/ping', answer: () => toReply(pingAnswer()) },
  { methods: ['get', 'head'], path: '/health', answer: ({ ready }) => toReply(healthAnswer(ready)) },
  {
    methods: ['post', 'get'], path: '/query',
    answer: ({ query }) => {
      const q = new URLSearchParams(query).get('q');
      return q === null ? CREATED : toReply(queryAnswer(q));
    },
  },
];
