import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import type { Logger } from '@deltastream/observability';
import { ReplaySlots } from '@deltastream/delivery';
import type { ReadinessRegistry } from '@deltastream/service-shell';
import { Authenticator } from './auth/authenticator';
import { StreamPolicyAuthorizer } from './auth/authorizer';
import { ConnectionSlots } from './auth/connection-slots';
import { Gate } from './auth/gate';
import { KeyReloader } from './auth/key-reloader';
import { SharedRateLimit } from './auth/rate-limits';
import { SocketCap } from './auth/socket-cap';
import { keySourcesOf, type DeliveryEdgeConfig } from './config';
import { FrameHub } from './frames/frame-hub';
import { LiveFramesReader, ReplayReader, type FramesReaderOptions } from './frames/kafka-frames';
import { GrpcEdge } from './grpc/delivery-grpc';
import { otelEdgeMetrics, type EdgeMetrics } from './metrics';
import type { Session, SessionDeps } from './session/session';
import { SseEdge } from './transports/sse';
import { WebSocketEdge } from './transports/websocket';

/**
 * The delivery edge: one live frames reader feeding the shared hub, and the three transports
 * (WebSocket and SSE on the service's HTTP server, gRPC on its own port) whose sessions read from it.
 */
export class EdgeRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly sse: SseEdge;
  private readonly ws: WebSocketEdge;
  private readonly grpc: GrpcEdge;
  private readonly live: LiveFramesReader;
  private readonly replays = new Set<ReplayReader>();
  private readonly openSessions = new Set<Session<unknown>>();
  private readonly authenticator: Authenticator;
  private readonly metrics: EdgeMetrics;
  private readonly slots: ConnectionSlots;
  private readonly keys: KeyReloader;

  constructor(
    private readonly config: DeliveryEdgeConfig,
    kafka: Kafka,
    admin: Admin,
    topics: Record<TopicName, TopicSpec>,
    redis: Redis,
    private readonly readiness: ReadinessRegistry,
    private readonly httpHost: HttpAdapterHost,
    private readonly logger: Logger,
  ) {
    this.metrics = otelEdgeMetrics();
    this.keys = new KeyReloader({
      sources: keySourcesOf(config),
      initial: config.keys,
      intervalMs: config.AUTH_RELOAD_MS,
      logger,
      onReload: (outcome) => {
        this.metrics.keyReload(outcome);
        if (outcome === 'changed') void this.recheckOpenSessions();
      },
    });
    // Limits are shared by the replicas of one deployment: Redis keys are namespaced like the topics.
    const redisPrefix = `ds:${config.TOPIC_NAMESPACE}:edge:`;
    const authenticator = (this.authenticator = new Authenticator({
      keys: () => this.keys.current,
      algorithms: config.AUTH_JWT_ALGORITHMS,
      audience: config.AUTH_JWT_AUDIENCE,
      issuer: config.AUTH_JWT_ISSUER,
      clockToleranceSec: config.AUTH_JWT_CLOCK_TOLERANCE_SEC,
      requireExp: config.AUTH_JWT_REQUIRE_EXP,
      streamsClaim: config.AUTH_JWT_STREAMS_CLAIM,
    }));
    this.slots = new ConnectionSlots({ redis, prefix: redisPrefix, leaseMs: config.EDGE_CONNECTION_LEASE_MS, logger, onFallback: () => this.metrics.limiterFallback('connections') });
    const sharedLimit = (name: string, rate: DeliveryEdgeConfig['EDGE_RATE_CONNECT_IP']) =>
      new SharedRateLimit({ redis, prefix: redisPrefix, name, rate, logger, onFallback: () => this.metrics.limiterFallback(name) });
    const gate = new Gate({
      authenticator,
      origins: config.EDGE_ALLOWED_ORIGINS,
      connectPerIp: sharedLimit('connect_ip', config.EDGE_RATE_CONNECT_IP),
      connectPerKey: sharedLimit('connect_key', config.EDGE_RATE_CONNECT_KEY),
      slots: this.slots,
      maxConnectionsPerKey: config.EDGE_MAX_CONNECTIONS_PER_KEY,
      maxAnonymousConnectionsPerIp: config.EDGE_MAX_ANONYMOUS_CONNECTIONS_PER_IP,
      metrics: this.metrics,
      logger,
    });
    const readerOptions: FramesReaderOptions = {
      kafka,
      admin,
      topic: topics.frames.name,
      groupPrefix: `${config.TOPIC_NAMESPACE}-delivery-edge`,
      maxRawBytes: config.EDGE_MAX_FRAME_RAW_BYTES,
      logger,
      onUndecodable: (reason) => {
        this.metrics.undecodable(reason);
        logger.warn({ reason }, 'skipped a frames-topic record that is not a Frame');
      },
    };
    const hub = new FrameHub({
      streams: config.DELTASTREAM_CONFIG,
      maxEntities: config.EDGE_STATE_MAX_ENTITIES,
      indexMaxPerStream: config.EDGE_INDEX_MAX_PER_STREAM,
      onUndecodable: () => this.metrics.undecodable('payload'),
    });
    this.live = new LiveFramesReader(readerOptions, (event) => hub.publish(event));
    const replaySlots = new ReplaySlots(config.EDGE_MAX_REPLAYS_PER_CLIENT);
    const deps: SessionDeps = {
      hub,
      authorizer: new StreamPolicyAuthorizer(new Map([...config.DELTASTREAM_CONFIG.values()].map((stream) => [stream.name, stream.anonymous])), config.EDGE_ALLOWED_STREAMS),
      metrics: this.metrics,
      logger,
      queueBytes: config.EDGE_QUEUE_BYTES,
      maxSubscriptions: config.EDGE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      expiryOf: (principal) => authenticator.expiryOf(principal),
      open: this.openSessions,
      warm: () => this.live.whenCaughtUp(config.EDGE_WARMUP_WAIT_MS),
      openReplay: (target, client) => {
        const reader = new ReplayReader(readerOptions, target, () => this.metrics.replayRead());
        this.replays.add(reader);
        // At most EDGE_MAX_REPLAYS_PER_CLIENT readers per client at once; the others wait for a slot.
        const slot = replaySlots.acquire(client, () => {
          reader.start().catch((error: unknown) => {
            logger.error({ err: error, stream: target.stream }, 'replay reader failed');
            target.onEnd();
          });
        });
        return {
          stop: () => {
            this.replays.delete(reader);
            slot.release();
            void reader.stop();
          },
        };
      },
    };
    this.ws = new WebSocketEdge({
      deps,
      gate,
      heartbeatMs: config.EDGE_HEARTBEAT_MS,
      highWaterBytes: config.EDGE_SOCKET_HIGH_WATER_BYTES,
      controlRate: config.EDGE_RATE_CONTROL,
      subscribeRate: config.EDGE_RATE_SUBSCRIBE,
      trustProxyHops: config.EDGE_TRUST_PROXY_HOPS,
      logger,
    });
    this.sse = new SseEdge({ deps, gate, origins: config.EDGE_ALLOWED_ORIGINS, trustProxyHops: config.EDGE_TRUST_PROXY_HOPS, heartbeatMs: config.EDGE_HEARTBEAT_MS, maxCompressed: config.EDGE_MAX_COMPRESSED_SSE });
    const tls = config.EDGE_TLS_CERT_FILE && config.EDGE_TLS_KEY_FILE ? { cert: config.EDGE_TLS_CERT_FILE, key: config.EDGE_TLS_KEY_FILE } : undefined;
    this.grpc = new GrpcEdge({
      deps,
      gate,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      maxSendMessageBytes: config.GRPC_MAX_SEND_MESSAGE_BYTES,
      reflection: config.GRPC_REFLECTION,
      trustProxyHops: config.EDGE_GRPC_TRUST_PROXY_HOPS,
      tls,
      logger,
    });
    this.metrics.observeReplayConsumers(() => ReplayReader.live);
    this.metrics.observeQueuedBytes(() => ({ ws: this.ws.queuedBytes(), sse: this.sse.queuedBytes(), grpc: this.grpc.queuedBytes() }));
  }

  /**
   * After the keys changed, every open connection's credential is checked again: a removed API key or a
   * token no longer verified closes its connection (4401 / UNAUTHENTICATED) instead of streaming on.
   */
  private async recheckOpenSessions(): Promise<void> {
    let closed = 0;
    for (const session of [...this.openSessions]) {
      try {
        if (await session.revalidate((presented) => this.authenticator.authenticate(presented, ''))) {
          closed += 1;
          this.metrics.authRefusal(session.protocol, 'revoked');
        }
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'could not re-check a connection after a key reload');
      }
    }
    if (closed > 0) this.logger.info({ closed }, 'connections closed: their credential is no longer accepted after the key reload');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.slots.start();
    this.keys.start();
    this.logger.info(this.keys.summary(), 'credentials');
    const server = this.httpHost.httpAdapter.getHttpServer();
    // Behind proxies every socket comes from a proxy: the cap would count the proxy, not the clients.
    if (this.config.EDGE_TRUST_PROXY_HOPS === 0) new SocketCap(this.config.EDGE_MAX_SOCKETS_PER_IP, () => this.metrics.socketRefused()).attach(server);
    this.ws.attach(server);
    await this.grpc.start();
    this.logger.info({ grpc: `${this.config.GRPC_HOST}:${this.grpc.port}` }, 'gRPC listening');
    this.readiness.register('frames_reader', async () => this.live.caughtUp());
    this.readiness.register('grpc', async () => this.grpc.port !== undefined);
    await this.live.start();
    this.live.onCaughtUp(() => {
      this.grpc.setServing(true);
      this.logger.info('frames reader caught up: serving');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.grpc.setServing(false);
    this.sse.close();
    await this.ws.close();
    await this.grpc.stop(Math.max(100, this.config.SHUTDOWN_TIMEOUT_MS / 3));
    await Promise.all([...this.replays].map((reader) => reader.stop()));
    await this.live.stop();
    this.keys.stop();
    this.slots.stop();
  }
}
