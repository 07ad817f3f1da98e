// Loki push bodies for tests, encoded independently of the decoder's schema:
// strings as strings and the real google.protobuf.Timestamp, as a Go client
// sends them, snappy-compressed by the `snappy` package.
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';

const withTimestamp = protobuf.Root.fromJSON({ nested: protobuf.common.get('google/protobuf/timestamp.proto')!.nested! });
const testRoot = protobuf.parse(`
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message EntryAdapter { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
`, withTimestamp).root;
export const PushRequest = testRoot.lookupType('logproto.PushRequest');

export interface TestEntry { seconds: number; nanos: number; line: string; metadata?: Array<[string, string]> }

export function protoBody(streams: Array<{ labels: string; entries: TestEntry[] }>): Buffer {
  const message = PushRequest.fromObject({
    streams: streams.map((s) => ({
      labels: s.labels,
      hash: 12345,
      entries: s.entries.map((e) => ({
        timestamp: { seconds: e.seconds, nanos: e.nanos },
        line: e.line,
        structuredMetadata: (e.metadata ?? []).map(([name, value]) => ({ name, value })),
      })),
    })),
  });
  return compressSync(Buffer.from(PushRequest.encode(message).finish()));
}

