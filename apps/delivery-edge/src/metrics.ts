import { metrics } from '@opentelemetry/api';

export type Protocol = 'ws' | 'sse' | 'grpc';

/** Edge instruments (deltastream.edge.*), shared by every transport. */
export interface EdgeMetrics {
  connectionOpened(protocol: Protocol): void;
  connectionClosed(protocol: Protocol): void;
  /** One item written to a client; `frameSeq` set for frames (latency is measured for them). */
  delivered(protocol: Protocol, kind: 'frame' | 'gap' | 'snapshot' | 'notice', bytes: number, frameSeq: number | undefined): void;
  latency(protocol: Protocol, ms: number): void;
  dropped(protocol: Protocol, frames: number): void;
  coalesced(protocol: Protocol, frames: number): void;
  slowDisconnect(protocol: Protocol): void;
  replayStarted(protocol: Protocol): void;
  replayRead(): void;
  undecodable(reason: string): void;
  rejected(protocol: Protocol, code: number): void;
  /** A connection or subscription refused for its credentials or origin (reason: a short label, never the credential). */
  authRefusal(protocol: Protocol, reason: string): void;
  /** A request refused by a limit (connect_ip, connect_key, connections, control, subscribe, subscriptions). */
  rateLimited(protocol: Protocol, limit: string): void;
  /** A TCP connection closed on arrival: its address had EDGE_MAX_SOCKETS_PER_IP open already. */
  socketRefused(): void;
  /** A Redis-backed limit decided locally because Redis did not answer. */
  limiterFallback(limit: string): void;
  /** A key reload: `changed`, `failed` (the previous keys stay). */
  keyReload(outcome: 'changed' | 'failed'): void;
  /** Polled by the queued-bytes gauge. */
  observeQueuedBytes(read: () => Record<Protocol, number>): void;
  /** Replay consumers alive in this process (each holds a consumer group and broker connections). */
  observeReplayConsumers(read: () => number): void;
}

export function otelEdgeMetrics(): EdgeMetrics {
  const meter = metrics.getMeter('deltastream-delivery-edge');
  const connections = meter.createUpDownCounter('deltastream.edge.connections', { description: 'Open client connections, by protocol' });
  const frames = meter.createCounter('deltastream.edge.frames_delivered', { description: 'Frames written to clients, by protocol' });
  const items = meter.createCounter('deltastream.edge.notices_delivered', { description: 'Gap notices, snapshots and replies written, by protocol and kind' });
  const bytes = meter.createCounter('deltastream.edge.bytes_delivered', { unit: 'By', description: 'Bytes written to clients, by protocol' });
  const dropped = meter.createCounter('deltastream.edge.dropped_frames', { description: 'Frames dropped for slow consumers (drop-oldest), by protocol' });
  const coalesced = meter.createCounter('deltastream.edge.coalesced_frames', { description: 'Frames folded into snapshots for slow consumers (coalesce), by protocol' });
  const slow = meter.createCounter('deltastream.edge.slow_disconnects', { description: 'Connections closed with 4008 (disconnect policy or unread replies), by protocol' });
  const replays = meter.createCounter('deltastream.edge.replays', { description: 'Replay readers started, by protocol' });
  const replayReads = meter.createCounter('deltastream.edge.replay_frames_read', { description: 'Frames read from Kafka by replay readers' });
  const undecodable = meter.createCounter('deltastream.edge.undecodable_frames', { description: 'Frames-topic records the edge could not decode, by reason' });
  const rejected = meter.createCounter('deltastream.edge.rejected_requests', { description: 'Subscriptions and control messages refused, by protocol and close code' });
  const authRefusals = meter.createCounter('deltastream.edge.auth_refusals', { description: 'Connections and subscriptions refused for credentials or origin, by protocol and reason' });
  const rateLimited = meter.createCounter('deltastream.edge.rate_limited', { description: 'Requests refused by a rate or connection limit, by protocol and limit' });
  const socketsRefused = meter.createCounter('deltastream.edge.sockets_refused', { description: 'TCP connections closed on arrival: their address had EDGE_MAX_SOCKETS_PER_IP open' });
  const fallbacks = meter.createCounter('deltastream.edge.limiter_fallbacks', { description: 'Limit decisions taken in process memory because Redis did not answer, by limit' });
  const reloads = meter.createCounter('deltastream.edge.key_reloads', { description: 'Key file reloads that changed the keys or failed (old keys kept), by outcome' });
  const latency = meter.createHistogram('deltastream.edge.e2e_latency', {
    unit: 'ms',
    description: 'Frame min observed_at → written to a client, by protocol',
    advice: { explicitBucketBoundaries: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000] },
  });
  const queued = meter.createObservableGauge('deltastream.edge.queued_bytes', { unit: 'By', description: 'Bytes waiting in per-connection queues, by protocol' });
  let readQueued: (() => Record<Protocol, number>) | undefined;
  let readReplayConsumers: (() => number) | undefined;
  meter.createObservableGauge('deltastream.edge.replay_consumers', { description: 'Replay consumers alive (created and not yet disconnected)' }).addCallback((result) => {
    if (readReplayConsumers) result.observe(readReplayConsumers());
  });
  queued.addCallback((result) => {
    if (!readQueued) return;
    for (const [protocol, value] of Object.entries(readQueued())) result.observe(value, { protocol });
  });
  return {
    connectionOpened: (protocol) => connections.add(1, { protocol }),
    connectionClosed: (protocol) => connections.add(-1, { protocol }),
    delivered: (protocol, kind, size, frameSeq) => {
      bytes.add(size, { protocol });
      if (frameSeq !== undefined) frames.add(1, { protocol });
      else items.add(1, { protocol, kind });
    },
    latency: (protocol, ms) => latency.record(ms, { protocol }),
    dropped: (protocol, count) => dropped.add(count, { protocol }),
    coalesced: (protocol, count) => coalesced.add(count, { protocol }),
    slowDisconnect: (protocol) => slow.add(1, { protocol }),
    replayStarted: (protocol) => replays.add(1, { protocol }),
    replayRead: () => replayReads.add(1),
    undecodable: (reason) => undecodable.add(1, { reason: reason.split(':')[0] ?? reason }),
    rejected: (protocol, code) => rejected.add(1, { protocol, code: String(code) }),
    authRefusal: (protocol, reason) => authRefusals.add(1, { protocol, reason }),
    rateLimited: (protocol, limit) => rateLimited.add(1, { protocol, limit }),
    socketRefused: () => socketsRefused.add(1),
    limiterFallback: (limit) => fallbacks.add(1, { limit }),
    keyReload: (outcome) => reloads.add(1, { outcome }),
    observeReplayConsumers: (read) => {
      readReplayConsumers = read;
    },
    observeQueuedBytes: (read) => {
      readQueued = read;
    },
  };
}
