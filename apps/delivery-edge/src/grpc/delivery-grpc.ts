import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { toBinary, type DescFile } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { DeliveryService, file_deltastream_v1_delivery } from '@deltastream/contracts';
import { clientIp, grpcPeerAddress } from '@deltastream/access';
import { CloseCode, ControlLimits, grpcStatusFor, parseSubscribeRequestBytes } from '@deltastream/delivery';
import type { Logger } from '@deltastream/observability';
import { credentialFrom } from '../auth/credentials';
import type { Admission, Gate } from '../auth/gate';
import { protoWire } from '../session/proto-wire';
import { Session, type SessionDeps, type Transport } from '../session/session';

const SERVICE_NAME = DeliveryService.typeName;
const subscribeMethod = DeliveryService.method.subscribe;
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The grpc-js definition of DeliveryService, derived from the generated descriptor. Requests stay raw
 * bytes (validated by the delivery library, so a malformed request is INVALID_ARGUMENT with a reason);
 * responses are SubscribeResponse bytes the edge built once per frame and shares between calls.
 */
export const deliveryServiceDefinition: grpc.ServiceDefinition = {
  Subscribe: {
    path: `/${SERVICE_NAME}/${subscribeMethod.name}`,
    requestStream: false,
    responseStream: true,
    requestSerialize: (value: Uint8Array) => asBuffer(value),
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Uint8Array) => asBuffer(value),
    responseDeserialize: (bytes: Buffer) => bytes,
    originalName: 'subscribe',
  },
};

/** Every file a descriptor needs, dependencies first. */
function fileClosure(file: DescFile, seen = new Set<string>()): DescFile[] {
  if (seen.has(file.name)) return [];
  seen.add(file.name);
  return [...file.dependencies.flatMap((dependency) => fileClosure(dependency, seen)), file];
}

/**
 * Server reflection fed straight from the generated descriptors: the FileDescriptorProtos compiled into
 * libs/contracts are exactly what the service serializes with, so reflection can never drift from the
 * running code and needs no build step or descriptor file to ship. @grpc/reflection only reads
 * `fileDescriptorProtos` from each package-definition entry.
 */
function reflectionPackage(): ConstructorParameters<typeof ReflectionService>[0] {
  const fileDescriptorProtos = fileClosure(file_deltastream_v1_delivery).map((file) => asBuffer(toBinary(FileDescriptorProtoSchema, file.proto)));
  return { [SERVICE_NAME]: { fileDescriptorProtos } } as unknown as ConstructorParameters<typeof ReflectionService>[0];
}

export interface GrpcOptions {
  readonly deps: SessionDeps;
  readonly gate: Gate;
  readonly host: string;
  readonly port: number;
  readonly maxSendMessageBytes: number;
  /** Serve gRPC server reflection (default true). */
  readonly reflection?: boolean;
  /** Proxies in front of gRPC that append to `x-forwarded-for` metadata. */
  readonly trustProxyHops: number;
  /** In-process TLS (PEM); absent: plaintext (TLS terminated in front of the edge, or none). */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  readonly logger: Logger;
}

function metadataText(metadata: grpc.Metadata, key: string): string[] {
  return metadata.get(key).map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
}

/** `deltastream.v1.DeliveryService` with the standard health service and server reflection. */
export class GrpcEdge {
  private readonly server: grpc.Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  private readonly sessions = new Set<Session<Uint8Array>>();
  private boundPort: number | undefined;

  constructor(private readonly options: GrpcOptions) {
    this.server = new grpc.Server({
      'grpc.max_send_message_length': options.maxSendMessageBytes,
      // The same 64 KiB as any control message; larger requests end with RESOURCE_EXHAUSTED.
      'grpc.max_receive_message_length': ControlLimits.maxMessageBytes,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
    this.server.addService(deliveryServiceDefinition, { Subscribe: (call: grpc.ServerWritableStream<Buffer, Uint8Array>) => this.subscribe(call) });
    this.health.addToServer(this.server);
    if (options.reflection ?? true) new ReflectionService(reflectionPackage()).addToServer(this.server);
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  async start(): Promise<void> {
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${this.options.host}:${this.options.port}`, this.credentials(), (error, port) => (error ? reject(error) : resolve(port))),
    );
  }

  private credentials(): grpc.ServerCredentials {
    const tls = this.options.tls;
    if (!tls) return grpc.ServerCredentials.createInsecure();
    return grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }], false);
  }

  /** Serving once the frames reader is warm; health clients (and the readiness check) see the change. */
  setServing(serving: boolean): void {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', status);
    this.health.setStatus(SERVICE_NAME, status);
  }

  queuedBytes(): number {
    let total = 0;
    for (const session of this.sessions) total += session.queuedBytes();
    return total;
  }

  async stop(timeoutMs: number): Promise<void> {
    this.setServing(false);
    for (const session of [...this.sessions]) session.closeWith(CloseCode.GoingAway, 'server shutting down');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, timeoutMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  /** Credentials and limits are checked at call start: a refusal is the call's status. */
  private subscribe(call: grpc.ServerWritableStream<Buffer, Uint8Array>): void {
    let cancelled = false;
    call.once('cancelled', () => (cancelled = true));
    // Limits are per client address: a peer whose address cannot be read is refused, never put in a bucket
    // shared with every other such peer (where one abuser would exhaust the limits of all).
    const peer = grpcPeerAddress(call.getPeer());
    if (peer === undefined) {
      this.options.deps.metrics.rejected('grpc', CloseCode.BadRequest);
      call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: 'the client address could not be determined' });
      return;
    }
    this.options.gate
      .admit({
        protocol: 'grpc',
        ip: clientIp(peer, metadataText(call.metadata, 'x-forwarded-for').join(','), this.options.trustProxyHops),
        credential: credentialFrom({ authorization: metadataText(call.metadata, 'authorization'), apiKey: metadataText(call.metadata, 'x-api-key') }),
      })
      .then((admission) => {
        if (!admission.ok) {
          this.options.deps.metrics.rejected('grpc', admission.code);
          const metadata = new grpc.Metadata();
          if (admission.retryAfterSec !== undefined) metadata.set('retry-after', String(admission.retryAfterSec));
          call.emit('error', { code: grpcStatusFor(admission.code), details: admission.reason, metadata });
          return;
        }
        if (cancelled) {
          admission.lease.release();
          return;
        }
        this.serve(call, admission);
      })
      .catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'grpc admission failed');
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'internal error' });
      });
  }

  private serve(call: grpc.ServerWritableStream<Buffer, Uint8Array>, admission: Extract<Admission, { ok: true }>): void {
    let ended = false;
    const transport: Transport<Uint8Array> = {
      protocol: 'grpc',
      wire: protoWire,
      write: (payload) => (ended ? true : call.write(payload)),
      close: (code, reason) => {
        if (ended) return;
        ended = true;
        call.emit('error', { code: grpcStatusFor(code), details: reason });
      },
    };
    const session = new Session<Uint8Array>(transport, this.options.deps, { principal: admission.principal, lease: admission.lease, presented: admission.credential });
    this.sessions.add(session);
    const cleanup = () => {
      ended = true;
      session.dispose();
      this.sessions.delete(session);
    };
    call.on('cancelled', cleanup);
    call.on('close', cleanup);
    call.on('error', () => cleanup());
    call.on('drain', () => session.drained());

    const parsed = parseSubscribeRequestBytes(call.request);
    if (!parsed.ok) {
      this.options.deps.metrics.rejected('grpc', parsed.code);
      session.closeWith(parsed.code, parsed.reason);
      return;
    }
    session
      .subscribe(parsed.subscription)
      .then((result) => {
        if (result.ok) return;
        this.options.deps.metrics.rejected('grpc', result.code);
        session.closeWith(result.code, result.reason);
      })
      .catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'grpc subscribe failed');
        session.closeWith(CloseCode.GoingAway, 'internal error');
      });
  }
}
