import {
  authorizeStreams,
  CloseCode,
  closeReason,
  compileRecordFilter,
  ConnectionQueue,
  ReplayLiveHandoff,
  resolveStart,
  startFor,
  wantsCodec,
  type GapNoticeInfo,
  type OutboundItem,
  type PayloadChoice,
  type RecordFilter,
  type Rejection,
  type Subscription,
} from '@deltastream/delivery';
import type { Principal } from '@deltastream/access';
import type { Logger } from '@deltastream/observability';
import type { Authentication } from '../auth/authenticator';
import type { Authorizer } from '../auth/authorizer';
import type { Credential } from '../auth/credentials';
import type { ConnectionLease } from '../auth/connection-slots';
import type { FrameEvent } from '../frames/frame-event';
import type { FrameHub } from '../frames/frame-hub';
import type { ReplayTarget } from '../frames/kafka-frames';
import type { EdgeMetrics, Protocol } from '../metrics';

/** How one subscribed stream wants its frames: shared by the encoder to pick the cached encoding. */
export interface StreamView {
  readonly stream: string;
  readonly subscription: Subscription;
  readonly filter: RecordFilter;
  /** Canonical text of the entity filter + projection (cache key of filtered encodings; '' for none). */
  readonly filterKey: string;
  choice(event: FrameEvent): PayloadChoice;
}

/** What a transport writes: encodes items (sharing per-frame encodings) and reports backpressure. */
export interface WireFormat<P> {
  frame(event: FrameEvent, view: StreamView): P;
  gap(info: GapNoticeInfo): P;
  snapshot(stream: string, asOfSeq: number, records: readonly unknown[]): P;
  size(payload: P): number;
}

/** A queued payload: the (usually shared) wire data and, for frames, when its oldest event was observed. */
export interface Outgoing<P> {
  readonly data: P;
  readonly observedAtMs: number;
  /** Frames: told about each write (the first one records the delivery span). */
  readonly onDelivered?: (protocol: string) => void;
}

export interface Transport<P> {
  readonly protocol: Protocol;
  readonly wire: WireFormat<P>;
  /** Writes one item; false when the connection's buffer is full (the transport later calls `drained`). */
  write(payload: P, item: OutboundItem<Outgoing<P>>): boolean;
  /** Ends the connection with a delivery close code (1001 for a normal server-side end). */
  close(code: CloseCode, reason: string): void;
}

/**
 * Opens replay readers for a session (the Kafka side of ReplayLiveHandoff.startReplay). `client` is who the
 * replay counts against (the principal: a credential, or an address when anonymous).
 */
export type ReplayOpener = (target: ReplayTarget, client: string) => { stop(): void };

export interface SessionDeps {
  readonly hub: FrameHub;
  readonly authorizer: Authorizer;
  readonly openReplay: ReplayOpener;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
  readonly queueBytes: number;
  /** Resolves false when the frames reader has not caught up in time (subscriptions then get 1001). */
  readonly warm: () => Promise<boolean>;
  /** Streams one connection may have subscribed at once (4009 beyond). */
  readonly maxSubscriptions: number;
  /** When a principal's credential stops being accepted (ms since the epoch, tolerance included). */
  readonly expiryOf: (principal: Principal) => number | undefined;
  /** Every open session of the process (sessions add and remove themselves): what a key reload re-checks. */
  readonly open?: Set<Session<unknown>>;
}

/** Who the connection belongs to, and the connection-limit slot it holds (released when the session ends). */
export interface SessionCredential {
  readonly principal: Principal;
  readonly lease: ConnectionLease;
  /** The credential the client presented (API key or token), checked again when the edge's keys reload. */
  readonly presented?: Credential;
}

/** setTimeout's longest delay; a later expiry is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface StreamSubscription {
  readonly view: StreamView;
  readonly handoff: ReplayLiveHandoff<FrameEvent>;
  unlisten: () => void;
  replay: { stop(): void } | undefined;
}

/**
 * One client connection, whatever its transport: its subscribed streams (each with a replay → live
 * handoff), its bounded outbound queue with the slow-consumer policies, and the pump that writes the
 * queue to the transport while it is writable.
 */
export class Session<P> {
  private readonly queue: ConnectionQueue<Outgoing<P>>;
  private readonly streams = new Map<string, StreamSubscription>();
  private closed = false;
  private pumping = false;
  private readonly reported = { dropped: 0, coalesced: 0, gaps: 0 };
  /** Last position written per stream (SSE event ids are built from it). */
  readonly positions = new Map<string, number>();
  private credential: SessionCredential;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly drainWaiters: Array<() => void> = [];

  constructor(
    private readonly transport: Transport<P>,
    private readonly deps: SessionDeps,
    credential: SessionCredential,
  ) {
    this.queue = new ConnectionQueue<Outgoing<P>>({ capBytes: deps.queueBytes, snapshotFor: (stream, asOfSeq) => this.coalescedSnapshot(stream, asOfSeq) });
    this.credential = credential;
    deps.metrics.connectionOpened(transport.protocol);
    deps.open?.add(this as Session<unknown>);
    this.armExpiry();
  }

  get protocol(): Protocol {
    return this.transport.protocol;
  }

  /**
   * Checks the presented credential again (the edge's keys were reloaded): a revoked API key or a token no
   * longer verified closes the connection with 4401 (SSE `event: error` 4401, gRPC UNAUTHENTICATED); a
   * credential still accepted but no longer allowed one of the subscribed streams closes it with that
   * refusal. Anonymous connections have nothing to re-check. Resolves true when the session was closed.
   */
  async revalidate(authenticate: (presented: Credential) => Promise<Authentication>): Promise<boolean> {
    const { presented } = this.credential;
    if (this.closed || presented === undefined || (presented.kind !== 'apiKey' && presented.kind !== 'jwt')) return false;
    const outcome = await authenticate(presented);
    if (this.closed) return false;
    if (!outcome.ok) {
      this.closeWith(CloseCode.Unauthorized, `credential no longer accepted: ${outcome.reason}`);
      return true;
    }
    const refusal = this.replaceCredential({ ...this.credential, principal: outcome.principal });
    if (refusal) {
      this.closeWith(refusal.code, refusal.reason);
      return true;
    }
    return false;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get principal(): Principal {
    return this.credential.principal;
  }

  get lease(): ConnectionLease {
    return this.credential.lease;
  }

  /**
   * Adopts a refreshed credential (a WebSocket `auth` message): every subscribed stream must still be
   * allowed, else the refusal is returned and nothing changes (the caller closes with it). The new
   * expiry replaces the old; a replaced lease is released.
   */
  replaceCredential(next: SessionCredential): Rejection | undefined {
    if (this.closed) return undefined;
    for (const stream of this.streams.keys()) {
      const refusal = this.deps.authorizer.refusal(next.principal, stream);
      if (refusal) return { ...refusal, reason: `${refusal.reason} by the new token` };
    }
    const previous = this.credential.lease;
    this.credential = next;
    if (previous !== next.lease) previous.release();
    this.armExpiry();
    return undefined;
  }

  /** Closes the connection when its credential expires: 4401 "token expired" on every transport. */
  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const expiresAt = this.deps.expiryOf(this.credential.principal);
    if (expiresAt === undefined || this.closed) return;
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      this.expire();
      return;
    }
    this.expiryTimer = setTimeout(() => (Date.now() >= expiresAt ? this.expire() : this.armExpiry()), Math.min(delay, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  private expire(): void {
    this.deps.metrics.authRefusal(this.transport.protocol, 'expired');
    this.closeWith(CloseCode.Unauthorized, 'token expired');
  }

  queuedBytes(): number {
    return this.closed ? 0 : this.queue.metrics().queuedBytes;
  }

  /** Adds (or replaces) the streams of `subscription`. A refusal closes nothing: the caller decides. */
  /** `ack`, when given, is queued (as a notice) before anything the subscription delivers. */
  async subscribe(subscription: Subscription, ack?: P): Promise<{ ok: true } | Rejection> {
    const { hub, authorizer } = this.deps;
    // Every start (live, replay from earliest, by seq or time) goes through here: replayed history is
    // authorised exactly like live data.
    for (const stream of subscription.streams) {
      const refusal = authorizer.refusal(this.credential.principal, stream);
      if (refusal) {
        this.deps.metrics.authRefusal(this.transport.protocol, refusal.code === CloseCode.Unauthorized ? 'credentials_required' : 'stream_not_allowed');
        return refusal;
      }
    }
    const access = authorizeStreams(subscription.streams, { isAllowed: () => true, isKnown: (s) => hub.isKnown(s) });
    if (!access.ok) return access;
    const total = new Set([...this.streams.keys(), ...subscription.streams]).size;
    if (total > this.deps.maxSubscriptions) {
      this.deps.metrics.rateLimited(this.transport.protocol, 'subscriptions');
      return { ok: false, code: CloseCode.RateLimited, reason: `at most ${this.deps.maxSubscriptions} subscribed streams per connection` };
    }
    if (!(await this.deps.warm())) return { ok: false, code: CloseCode.GoingAway, reason: 'the edge is still reading the frames topic; retry shortly' };
    if (this.closed) return { ok: true };
    // Every start is resolved before any stream changes, so a refused resume point leaves the session as it was.
    const plans = [];
    for (const stream of subscription.streams) {
      const from = startFor(subscription, stream);
      const snapshot = subscription.snapshot && !subscription.resumeAfterSeq.has(stream) ? hub.state(stream)?.snapshot() : undefined;
      if (snapshot && snapshot.asOfSeq > 0) {
        plans.push({ stream, plan: { kind: 'live' as const, afterSeq: snapshot.asOfSeq }, snapshot });
        continue;
      }
      const resolved = resolveStart(stream, from, hub.extent(stream), (timeMs) => hub.seqAtTime(stream, timeMs));
      if (!resolved.ok) return resolved;
      plans.push({ stream, plan: resolved.plan, snapshot: undefined });
    }
    if (ack !== undefined) this.enqueue({ kind: 'notice', bytes: this.transport.wire.size(ack), payload: { data: ack, observedAtMs: 0 } });
    for (const { stream, plan, snapshot } of plans) {
      this.unsubscribeOne(stream);
      this.queue.setPolicy(stream, subscription.policy);
      const view = this.viewFor(stream, subscription);
      if (plan.gap) this.enqueue({ kind: 'gap', stream, seq: plan.gap.lastMissingSeq, bytes: 96, payload: plan.gap });
      if (snapshot) {
        const data = this.transport.wire.snapshot(stream, snapshot.asOfSeq, view.filter(snapshot.records));
        this.enqueue({ kind: 'snapshot', stream, seq: snapshot.asOfSeq, bytes: this.transport.wire.size(data), payload: { data, observedAtMs: 0 } });
      }
      const entry: StreamSubscription = {
        view,
        unlisten: () => undefined,
        replay: undefined,
        handoff: new ReplayLiveHandoff<FrameEvent>({
          afterSeq: plan.afterSeq,
          replaying: plan.kind === 'replay',
          sink: {
            frame: (_seq, event) => this.enqueueFrame(view, event),
            gap: (first, last) =>
              this.enqueue({ kind: 'gap', stream, seq: last, bytes: 96, payload: { stream, firstMissingSeq: first, lastMissingSeq: last, reason: 'retention', earliestAvailableSeq: last + 1 } }),
            startReplay: (fromSeq) => this.startReplay(entry, fromSeq),
            stopReplay: () => this.stopReplay(entry),
          },
        }),
      };
      this.streams.set(stream, entry);
      // Live registration first: every frame published from now on reaches the handoff; older ones are in Kafka.
      entry.unlisten = hub.listen(stream, (event) => entry.handoff.live(event.seq, event));
      if (plan.kind === 'replay') this.startReplay(entry, plan.fromSeq);
    }
    this.pump();
    return { ok: true };
  }

  unsubscribe(streams: readonly string[]): void {
    for (const stream of streams) this.unsubscribeOne(stream);
  }

  /** A notice for this client only (acks, pongs); never dropped by the queue. */
  notice(data: P): void {
    this.enqueue({ kind: 'notice', bytes: this.transport.wire.size(data), payload: { data, observedAtMs: 0 } });
    this.pump();
  }

  /** The transport can take more: resume writing. */
  drained(): void {
    if (this.closed) return;
    this.queue.reportDrained();
    this.pump();
  }

  /** Ends the session (the transport already knows, or is told by `closeWith`). Idempotent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.open?.delete(this as Session<unknown>);
    clearTimeout(this.expiryTimer);
    this.credential.lease.release();
    for (const stream of [...this.streams.keys()]) this.unsubscribeOne(stream);
    this.deps.metrics.connectionClosed(this.transport.protocol);
  }

  closeWith(code: CloseCode, reason: string): void {
    if (this.closed) return;
    if (code === CloseCode.SlowConsumer) this.deps.metrics.slowDisconnect(this.transport.protocol);
    this.dispose();
    this.transport.close(code, closeReason(reason));
  }

  private viewFor(stream: string, subscription: Subscription): StreamView {
    const filter = compileRecordFilter({ entityIdField: this.deps.hub.entityIdField(stream), entities: subscription.entities, fields: subscription.fields });
    const filterKey = subscription.entities.length + subscription.fields.length === 0 ? '' : JSON.stringify([[...subscription.entities].sort(), [...subscription.fields].sort()]);
    return {
      stream,
      subscription,
      filter,
      filterKey,
      choice: (event) => wantsCodec(subscription.codecs, event.frame.codec, event.frame.fallback?.codec),
    };
  }

  private enqueueFrame(view: StreamView, event: FrameEvent): void {
    const data = this.transport.wire.frame(event, view);
    this.enqueue({ kind: 'frame', stream: view.stream, seq: event.seq, bytes: this.transport.wire.size(data), payload: { data, observedAtMs: event.minObservedAtMs, onDelivered: (p) => event.recordDelivery(p) } });
    this.pump();
  }

  private enqueue(item: OutboundItem<Outgoing<P>>): void {
    if (this.closed) return;
    const outcome = this.queue.enqueue(item);
    if (outcome.action === 'close') {
      this.closeWith(outcome.code, outcome.reason);
      return;
    }
    const counters = this.queue.metrics();
    const protocol = this.transport.protocol;
    if (counters.droppedFrames > this.reported.dropped) this.deps.metrics.dropped(protocol, counters.droppedFrames - this.reported.dropped);
    if (counters.coalescedFrames > this.reported.coalesced) this.deps.metrics.coalesced(protocol, counters.coalescedFrames - this.reported.coalesced);
    this.reported.dropped = counters.droppedFrames;
    this.reported.coalesced = counters.coalescedFrames;
  }

  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (let item = this.queue.next(); item !== undefined && !this.closed; item = this.queue.next()) {
        const payload = this.payloadOf(item);
        const writable = this.transport.write(payload, item);
        if (item.kind !== 'notice') this.positions.set(item.stream, item.seq);
        const protocol = this.transport.protocol;
        this.deps.metrics.delivered(protocol, item.kind, this.transport.wire.size(payload), item.kind === 'frame' ? item.seq : undefined);
        if (item.kind === 'frame' && item.payload.observedAtMs > 0) this.deps.metrics.latency(protocol, Date.now() - item.payload.observedAtMs);
        if (item.kind === 'frame') item.payload.onDelivered?.(protocol);
        if (!writable) {
          this.queue.reportWritable(false);
          break;
        }
      }
    } finally {
      this.pumping = false;
    }
    this.wakeDrainWaiters();
  }

  private payloadOf(item: OutboundItem<Outgoing<P>>): P {
    return item.kind === 'gap' ? this.transport.wire.gap(item.payload) : item.payload.data;
  }

  /** The coalesced replacement of a stream's queued frames: the shared latest state, with this client's filter. */
  private coalescedSnapshot(stream: string, asOfSeq: number) {
    const state = this.deps.hub.state(stream);
    const view = this.streams.get(stream)?.view;
    // A state anchored after seq 1 (retention) lacks entities untouched since; it is still the best
    // available picture and the client is told where it stands (asOfSeq).
    if (!state || !view || state.asOfSeq < asOfSeq) return undefined;
    const snapshot = state.snapshot();
    const data = this.transport.wire.snapshot(stream, snapshot.asOfSeq, view.filter(snapshot.records));
    // The handoff keeps feeding frames the snapshot covers; the queue skips them.
    return { asOfSeq: snapshot.asOfSeq, bytes: this.transport.wire.size(data), payload: { data, observedAtMs: 0 } };
  }

  private startReplay(entry: StreamSubscription, fromSeq: number): void {
    this.stopReplay(entry);
    const { hub } = this.deps;
    const stream = entry.view.stream;
    const range = hub.replayRange(stream, fromSeq);
    if (!range) {
      entry.handoff.replayEnded();
      return;
    }
    this.deps.metrics.replayStarted(this.transport.protocol);
    entry.replay = this.deps.openReplay(
      {
        stream,
        ...range,
        onFrame: (event) => {
          if (this.streams.get(stream) === entry) entry.handoff.replayed(event.seq, event);
        },
        onEnd: () => {
          if (this.streams.get(stream) === entry) entry.handoff.replayEnded();
        },
        // A replay fills at most half the queue: the rest is room for notices and for the live frames that take
        // over; it reads on when the client has written the queue down to a quarter.
        full: () => !this.closed && this.queuedBytes() >= this.deps.queueBytes / 2,
        whenDrained: (resume) => {
          this.drainWaiters.push(resume);
          this.wakeDrainWaiters();
        },
      },
      this.credential.principal.id,
    );
  }

  /** Replays waiting for room read on once the queue is down to a quarter. */
  private wakeDrainWaiters(): void {
    if (this.drainWaiters.length === 0 || this.closed || this.queuedBytes() > this.deps.queueBytes / 4) return;
    const waiters = this.drainWaiters.splice(0);
    for (const resume of waiters) resume();
  }

  private stopReplay(entry: StreamSubscription): void {
    const replay = entry.replay;
    entry.replay = undefined;
    replay?.stop();
  }

  private unsubscribeOne(stream: string): void {
    const entry = this.streams.get(stream);
    if (!entry) return;
    this.streams.delete(stream);
    entry.unlisten();
    this.stopReplay(entry);
  }
}
