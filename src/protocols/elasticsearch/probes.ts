// What shippers ask an Elasticsearch cluster before (and besides) `_bulk`,
// answered as one node that accepts everything and stores no settings. Every
// answer carries `X-Elastic-Product: Elasticsearch`: the 9.x JS client
// refuses any 2xx answer without it, Logstash and Beats check it too.
//
//   GET|HEAD /                       cluster info: name, uuid, version.number (below),
//                                    build_flavor "default", tagline; HEAD: 200, no body
//   GET /_license                    an active basic license (enough for ILM in Beats/Logstash)
//   GET /_cluster/health[/...]       green, one node
//   GET /_nodes/http, /_nodes/_all/http   this node, publish_address = the address
//                                    the client reached (for clients that sniff)
//   GET|HEAD /_index_template/<n>, /_ilm/policy/<n>, /_ingest/pipeline/<n>
//                                    404 as Elasticsearch answers for one it does not
//                                    have: the shipper then PUTs it, once per start
//   PUT|POST the same                200 {"acknowledged":true}: taken, not kept
//   DELETE the same                  200 {"acknowledged":true}
// Any other path is the caller's (404/405 from the route table).
//
// version.number: 9.1.0. Filebeat 8/9 refuses a cluster older than itself
// unless `allow_older_versions` (default true since 8.13), and uses `create`
// with ≥ 7.5; Logstash and Vector read the major version (≥ 8: no `_type`);
// the 9.x JS client sends `compatible-with=9`, which a 9.x node answers.
import { answerMediaType } from './media-type';
import { esErrorBody } from './errors';

export interface ClusterIdentity {
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly version: string;
}

export const DEFAULT_CLUSTER: ClusterIdentity = {
  clusterName: 'metricstream',
  clusterUuid: 'bWV0cmljc3RyZWFtLTAw',
  nodeName: 'metricstream',
  nodeId: 'bWV0cmljc3RyZWFtbm9k',
  version: '9.1.0',
};

export const PRODUCT_HEADER = { name: 'X-Elastic-Product', value: 'Elasticsearch' } as const;

export interface ProbeRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly accept?: string;
  readonly contentType?: string;
  /** host:port the client reached this listener at (its Host header). */
  readonly host?: string;
}

export interface EsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text; undefined for HEAD and bodiless answers. */
  readonly body: string | undefined;
}

type Json = Record<string, unknown>;
type Reply = { readonly status: number; readonly body: Json };

const ACKNOWLEDGED: Reply = { status: 200, body: { acknowledged: true } };

function info(cluster: ClusterIdentity): Reply {
  return { status: 200, body: {
    name: cluster.nodeName,
    cluster_name: cluster.clusterName,
    cluster_uuid: cluster.clusterUuid,
    version: {
      number: cluster.version,
      build_flavor: 'default',
      build_type: 'tar',
      build_hash: '0000000000000000000000000000000000000000',
      build_date: '2025-01-01T00:00:00.000Z',
      build_snapshot: false,
      lucene_version: '10.2.2',
      minimum_wire_compatibility_version: '8.19.0',
      minimum_index_compatibility_version: '8.0.0',
    },
    tagline: 'You Know, for Search',
  } };
}

function license(cluster: ClusterIdentity): Reply {
  return { status: 200, body: { license: {
    status: 'active', uid: cluster.clusterUuid, type: 'basic',
    issue_date: '2025-01-01T00:00:00.000Z', issue_date_in_millis: 1_735_689_600_000,
    max_nodes: 1000, max_resource_units: null, issued_to: cluster.clusterName, issuer: 'elasticsearch', start_date_in_millis: -1,
  } } };
}

function health(cluster: ClusterIdentity): Reply {
  return { status: 200, body: {
    cluster_name: cluster.clusterName, status: 'green', timed_out: false,
    number_of_nodes: 1, number_of_data_nodes: 1, active_primary_shards: 0, active_shards: 0,
    relocating_shards: 0, initializing_shards: 0, unassigned_shards: 0, unassigned_primary_shards: 0,
    delayed_unassigned_shards: 0, number_of_pending_tasks: 0, number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0, active_shards_percent_as_number: 100,
  } };
}

function nodesHttp(cluster: ClusterIdentity, host: string | undefined): Reply {
  const address = host ?? '127.0.0.1:9200';
  return { status: 200, body: {
    _nodes: { total: 1, successful: 1, failed: 0 },
    cluster_name: cluster.clusterName,
    nodes: { [cluster.nodeId]: {
      name: cluster.nodeName, transport_address: address, host: address.replace(/:\d+$/, ''), ip: address.replace(/:\d+$/, ''),
      version: cluster.version, roles: ['data', 'ingest', 'master'],
      http: { bound_address: [address], publish_address: address, max_content_length_in_bytes: 104_857_600 },
    } },
  } };
}

function missing(kind: 'index_template' | 'ilm_policy' | 'pipeline', name: string): Reply {
  if (kind === 'pipeline') return { status: 404, body: {} };
  const reason = kind === 'index_template' ? `index template matching [${name}] not found` : `Lifecycle policy not found: ${name}`;
  return { status: 404, body: esErrorBody({ type: 'resource_not_found_exception', reason }, 404) };
}

export interface Probe {
  readonly methods: readonly string[];
  readonly path: RegExp;
  readonly reply: (cluster: ClusterIdentity, request: ProbeRequest, match: RegExpExecArray) => Reply;
}

const SETTINGS: ReadonlyArray<[RegExp, 'index_template' | 'ilm_policy' | 'pipeline']> = [
  [/^\/_index_template\/([^/]+)$/, 'index_template'],
  [/^\/_ilm\/policy\/([^/]+)$/, 'ilm_policy'],
  [/^\/_ingest\/pipeline\/([^/]+)$/, 'pipeline'],
];

/** The answered paths, in the order they are tried. */
export const PROBES: readonly Probe[] = [
  { methods: ['GET', 'HEAD'], path: /^\/?$/, reply: (c) => info(c) },
  { methods: ['GET'], path: /^\/_license\/?$/, reply: (c) => license(c) },
  { methods: ['GET'], path: /^\/_cluster\/health(\/[^/]*)?\/?$/, reply: (c) => health(c) },
  { methods: ['GET'], path: /^\/_nodes(\/_all)?\/http\/?$/, reply: (c, r) => nodesHttp(c, r.host) },
  ...SETTINGS.flatMap(([path, kind]): Probe[] => [
    { methods: ['GET', 'HEAD'], path, reply: (_c, _r, m) => missing(kind, decodeURIComponent(m[1]!)) },
    { methods: ['PUT', 'POST', 'DELETE'], path, reply: () => ACKNOWLEDGED },
  ]),
];

/** Headers every Elasticsearch answer carries, with the negotiated media type. */
export function esHeaders(contentType: string): Record<string, string> {
  return { [PRODUCT_HEADER.name]: PRODUCT_HEADER.value, 'Content-Type': contentType };
}

/** One probe's answer to a request whose path `match`ed it. */
export function probeReply(probe: Probe, request: ProbeRequest, match: RegExpExecArray, cluster: ClusterIdentity = DEFAULT_CLUSTER): EsAnswer {
  const media = answerMediaType(request.accept, request.contentType);
  const reply: Reply = media.ok ? probe.reply(cluster, request, match) : { status: media.status, body: media.body };
  const headers = esHeaders(media.ok ? media.contentType : 'application/json');
  return { status: reply.status, headers, body: request.method === 'HEAD' ? undefined : JSON.stringify(reply.body) };
}

/** The answer to a probe, or undefined when the path is not one of PROBES. */
export function probeAnswer(request: ProbeRequest, cluster: ClusterIdentity = DEFAULT_CLUSTER): EsAnswer | undefined {
  for (const probe of PROBES) {
    const match = probe.path.exec(request.path);
    if (match !== null && probe.methods.includes(request.method)) return probeReply(probe, request, match, cluster);
  }
  return undefined;
}
