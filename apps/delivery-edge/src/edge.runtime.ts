import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { Admin, Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import type { Logger } from '@deltastream/observability';
import type { ReadinessRegistry } from '@deltastream/service-shell';
import { AllowListAuthorizer } from './auth/authorizer';
import type { DeliveryEdgeConfig } from './config';
import { FrameHub } from './frames/frame-hub';
import { LiveFramesReader, ReplayReader, type FramesReaderOptions } from './frames/kafka-frames';
import { GrpcEdge } from './grpc/delivery-grpc';
import { otelEdgeMetrics, type EdgeMetrics } from './metrics';
import type { SessionDeps } from './session/session';
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
  private readonly metrics: EdgeMetrics;

  constructor(
    private readonly config: DeliveryEdgeConfig,
    kafka: Kafka,
    admin: Admin,
    topics: Record<TopicName, TopicSpec>,
    private readonly readiness: ReadinessRegistry,
    private readonly httpHost: HttpAdapterHost,
    private readonly logger: Logger,
  ) {
    this.metrics = otelEdgeMetrics();
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
    const deps: SessionDeps = {
      hub,
      authorizer: new AllowListAuthorizer(config.EDGE_ALLOWED_STREAMS),
      metrics: this.metrics,
      logger,
      queueBytes: config.EDGE_QUEUE_BYTES,
      warm: () => this.live.whenCaughtUp(config.EDGE_WARMUP_WAIT_MS),
      openReplay: (target) => {
        const reader = new ReplayReader(readerOptions, target, () => this.metrics.replayRead());
        this.replays.add(reader);
        reader.start().catch((error: unknown) => {
          logger.error({ err: error, stream: target.stream }, 'replay reader failed');
          target.onEnd();
        });
        return {
          stop: () => {
            this.replays.delete(reader);
            void reader.stop();
          },
        };
      },
    };
    this.ws = new WebSocketEdge({ deps, heartbeatMs: config.EDGE_HEARTBEAT_MS, highWaterBytes: config.EDGE_SOCKET_HIGH_WATER_BYTES, logger });
    this.sse = new SseEdge({ deps, heartbeatMs: config.EDGE_HEARTBEAT_MS });
    this.grpc = new GrpcEdge({ deps, host: config.GRPC_HOST, port: config.GRPC_PORT, maxSendMessageBytes: config.GRPC_MAX_SEND_MESSAGE_BYTES, logger });
    this.metrics.observeQueuedBytes(() => ({ ws: this.ws.queuedBytes(), sse: this.sse.queuedBytes(), grpc: this.grpc.queuedBytes() }));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.ws.attach(this.httpHost.httpAdapter.getHttpServer());
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
  }
}
