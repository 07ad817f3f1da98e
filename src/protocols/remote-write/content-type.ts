// Which remote_write message a request carries, from its Content-Type:
//   application/x-protobuf                                        → 1.0
//   application/x-protobuf;proto=prometheus.WriteRequest          → 1.0
//   application/x-protobuf;proto=io.prometheus.write.v2.Request   → 2.0
// Any other proto= is a message we cannot read: the route answers 415 (the
// spec's answer, so a sender can fall back to 1.0) instead of misreading it.

export type RemoteWriteMessage =
  | { readonly version: '1.0' }
  | { readonly version: '2.0' }
  | { readonly version: 'unsupported'; readonly reason: string };

const V1_PROTO = 'prometheus.WriteRequest';
const V2_PROTO = 'io.prometheus.write.v2.Request';

export function remoteWriteMessageOf(contentType: string | undefined): RemoteWriteMessage {
  if (contentType === undefined || contentType.trim() === '') return { version: '1.0' };
  const [mediaType, ...parameters] = contentType.split(';').map((part) => part.trim());
  if (mediaType!.toLowerCase() !== 'application/x-protobuf') {
    return { version: 'unsupported', reason: `Content-Type ${JSON.stringify(contentType)} is not application/x-protobuf` };
  }
  let proto: string | undefined;
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals < 0) continue;
    if (parameter.slice(0, equals).trim().toLowerCase() === 'proto') proto = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  if (proto === undefined || proto === V1_PROTO) return { version: '1.0' };
  if (proto === V2_PROTO) return { version: '2.0' };
  return { version: 'unsupported', reason: `proto=${proto} is not supported: send ${V1_PROTO} or ${V2_PROTO}` };
}

/** The route's Content-Type rule (RouteSpec.contentTypeProblem): why a proto= is refused, or null. */
export function remoteWriteContentTypeProblem(contentType: string): string | null {
  const message = remoteWriteMessageOf(contentType);
  return message.version === 'unsupported' ? message.reason : null;
}
