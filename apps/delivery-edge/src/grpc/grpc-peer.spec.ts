import * as grpc from '@grpc/grpc-js';
import { grpcPeerAddress } from '@deltastream/access';

/** The peer string the installed grpc-js really reports for a loopback client, read by the edge's parser. */
async function peerOfOneCall(host: string): Promise<string> {
  const server = new grpc.Server();
  let peer = '';
  const service = { echo: { path: '/t.T/Echo', requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } };
  server.addService(service, {
    echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      peer = call.getPeer();
      callback(null, Buffer.alloc(0));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  const Client = grpc.makeGenericClientConstructor(service, 'T');
  const client = new Client(`${host}:${port}`, grpc.credentials.createInsecure());
  try {
    await new Promise<void>((resolve, reject) => (client as unknown as { echo: (req: Buffer, cb: (e: unknown) => void) => void }).echo(Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
  } finally {
    client.close();
    server.forceShutdown();
  }
  return peer;
}

describe('gRPC peer addresses from the real grpc-js server', () => {
  it('parses the IPv4 peer grpc-js reports (not bucketed as unknown)', async () => {
    const peer = await peerOfOneCall('127.0.0.1');
    expect(grpcPeerAddress(peer)).toBe('127.0.0.1');
  });

  it('parses the IPv6 peer grpc-js reports', async () => {
    const peer = await peerOfOneCall('[::1]');
    expect(grpcPeerAddress(peer)).toBe('::1');
  });
});
