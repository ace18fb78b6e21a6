// The client: connects (WebSocket, else SSE), subscribes, decodes and dedupes frames, and resumes by seq
// after every disconnect with backoff. All I/O is in transports/; the rules are in the pure modules this
// file wires together. Browser-safe.
import type { JsonRecord } from '@deltastream/delta-codec';
import { backoffDelay, type BackoffOptions } from './backoff';
import { closeAction, CloseCode } from './close-codes';
import { CODEC_NUMBERS, nodeDecompressors, runtimeDecompressors, type CodecName, type Decompressors } from './codecs';
import { Emitter } from './emitter';
import { DeltastreamError, FrameError, type FrameErrorKind } from './errors';
import { decodeFrame } from './frame-decoder';
import { parseFrame, type WireFrame } from './frame-wire';
import { jwtExpiryMs, refreshDelayMs } from './jwt';
import { parseNotice, type GapReason, type ServerNotice } from './notices';
import { StreamPositions, type SeqRange } from './positions';
import { recordFilter, type RecordFilter } from './record-filter';
import {
  checkSettings,
  checkStreams,
  normalizeStart,
  sseRequest,
  subscribeMessages,
  type SlowConsumerPolicy,
  type StartFrom,
  type SubscriptionSettings,
  type WireStart,
} from './subscription';
import { inBrowser, resolveFetch, resolveWebSocket } from './transports/resolve';
import { openSse, type FetchLike } from './transports/sse';
import type { Connection, TransportClose, TransportHandlers, TransportName } from './transports/types';
import { acceptsHeaders, openWebSocket, type WebSocketConstructor } from './transports/websocket';

export type TokenSource = string | (() => string | Promise<string>);

export interface ReconnectOptions extends BackoffOptions {
  /** Give up (fatal `error`, then `closed`) after this many failed connects in a row. Default: never. */
  readonly maxAttempts?: number;
  /** A connection that stayed subscribed this long resets the backoff. Default 5000 ms. */
  readonly stableAfterMs?: number;
}

export interface ClientOptions {
  /**
   * The edge: `ws(s)://host:port`, `http(s)://host:port` (both endpoints derive from it) or its /v1/ws, /v1/sse
   * URL — or several edges: after a connection to one fails or ends, the client connects to the next at once
   * (each other edge is tried once without waiting before the backoff applies) and resumes by seq there.
   */
  readonly url: string | readonly string[];
  /** Streams to subscribe to (more with `subscribe()`). */
  readonly streams: readonly string[];
  /** Where streams without a resume point start. Default `latest`. `{ seq: n }` means "I have n". */
  readonly from?: StartFrom;
  /** Known positions (e.g. persisted `client.positions()`): these streams resume after them. */
  readonly resume?: Readonly<Record<string, number>>;
  /** Only records of these entity ids (applied by the edge to snapshots, by the client to frames). */
  readonly entities?: readonly string[];
  /** Only these top-level fields (plus the entity key) of each record. */
  readonly fields?: readonly string[];
  /** The entity id field of the streams, for `entities` / `fields` on frames. Default `id`. */
  readonly entityKey?: string;
  /** Per-stream entity id fields overriding `entityKey` (e.g. `{ trades: 'symbol' }`). */
  readonly entityKeys?: Readonly<Record<string, string>>;
  /** What the edge does when this client cannot keep up. Default (edge): `coalesce`. */
  readonly policy?: SlowConsumerPolicy;
  /** Start streams without a resume point with the latest state of every entity. */
  readonly snapshot?: boolean;
  /** JWT, or a function returning one, called on every (re)connect. */
  readonly token?: TokenSource;
  /** API key (`x-api-key` header or `api_key` query parameter). */
  readonly apiKey?: string;
  /**
   * Where credentials go: `header` (Authorization / x-api-key), `query` (access_token / api_key) or
   * `auto` (default): headers where the runtime can send them (Node SSE, the `ws` package), else the query.
   */
  readonly credentials?: 'auto' | 'header' | 'query';
  /** `auto` (default): WebSocket, falling back to SSE when WebSocket is unavailable or never connects. */
  readonly transport?: 'auto' | 'websocket' | 'sse';
  /** A WebSocket constructor, e.g. the `ws` package on Node < 22. Default: the global, else `ws` if installed. */
  readonly WebSocket?: WebSocketConstructor;
  /** fetch for SSE. Default: the global. */
  readonly fetch?: FetchLike;
  /** Reconnect backoff, or `false` to stop at the first disconnect. */
  readonly reconnect?: ReconnectOptions | false;
  /** Codecs to advertise, limited to what this runtime decodes. Default: all it decodes. */
  readonly codecs?: readonly CodecName[];
  /** Extra or replacement decompressors (e.g. lz4 in Node); their codecs are advertised too. */
  readonly decompressors?: Decompressors;
  /** Verify every frame's CRC32C (default true). */
  readonly verifyChecksums?: boolean;
  /** Largest decompressed frame accepted. Default 64 MiB (the edge's default). */
  readonly maxFrameBytes?: number;
  /** No data, notice or heartbeat for this long: the connection is presumed dead and replaced. Default 45 000. */
  readonly idleTimeoutMs?: number;
  /** Connect (WebSocket open / SSE response headers) within this long. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Refresh a JWT with an `exp` claim this long before it expires (WebSocket `auth` message). Default 30 000. */
  readonly tokenRefreshLeadMs?: number;
  /** Failed WebSocket handshakes before `auto` switches to SSE (only if WebSocket never connected). Default 2. */
  readonly webSocketAttemptsBeforeFallback?: number;
  /** Iterator buffer above which the client stops decoding until the loop catches up. Default 1024 events. */
  readonly highWaterMark?: number;
  /** Closes the client when aborted. */
  readonly signal?: AbortSignal;
  /** Randomness for backoff jitter (tests). */
  readonly random?: () => number;
}

export interface FrameEvent {
  readonly type: 'frame';
  readonly stream: string;
  readonly seq: number;
  /** The frame's records (after the client's entity filter / field projection). */
  readonly records: JsonRecord[];
  readonly eventCount: number;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly windowId: string;
  /** Earliest observed_at of the frame's events (Unix ms): `Date.now() - minObservedAtMs` is end-to-end latency. */
  readonly minObservedAtMs: number;
  readonly producedAtMs: number | undefined;
  /** Codec of the payload copy decoded. */
  readonly codec: CodecName;
  /** Size of the frame message as received. */
  readonly bytes: number;
}

export interface SnapshotEvent {
  readonly type: 'snapshot';
  readonly stream: string;
  /** The state reflects every frame up to and including this seq; frames continue after it. */
  readonly asOfSeq: number;
  readonly records: JsonRecord[];
}

/**
 * Seqs the application will never get as frames. `retention` (no longer kept by the edge),
 * `slow_consumer` (dropped by the `drop-oldest` policy), `undecodable` (received but failed to inflate,
 * verify or decode: see the `error` event before it), `unannounced` (a seq jump nobody explained).
 */
export interface GapEvent {
  readonly type: 'gap';
  readonly stream: string;
  readonly firstMissingSeq: number;
  readonly lastMissingSeq: number;
  readonly reason: GapReason | 'undecodable' | 'unannounced';
  readonly earliestAvailableSeq?: number;
}

/** After a (re)connect that resumed streams by seq: whether everything missed in between was delivered. */
export interface ResumedEvent {
  readonly type: 'resumed';
  readonly transport: TransportName;
  /** False when any stream lost frames (a gap) or had them replaced by a snapshot. */
  readonly recovered: boolean;
  readonly streams: Readonly<Record<string, { readonly afterSeq: number; readonly recovered: boolean }>>;
}

export interface OpenEvent {
  readonly type: 'open';
  readonly transport: TransportName;
  /** Failed connects before this one (0 on a first try). */
  readonly attempt: number;
}

export interface SubscribedEvent {
  readonly type: 'subscribed';
  readonly streams: readonly string[];
}

export interface DisconnectedEvent {
  readonly type: 'disconnected';
  readonly code: number;
  readonly reason: string;
  /** Whether the connection had been established. */
  readonly opened: boolean;
  /** When the next attempt starts; undefined when the client stops. */
  readonly reconnectInMs: number | undefined;
  /** Consecutive failed connects so far. */
  readonly attempt: number;
}

export interface ErrorEvent {
  readonly type: 'error';
  /**
   * `connection`: the edge refused the subscription or credentials (fatal); `frame`: one frame could not
   * be decoded (its seq follows as an `undecodable` gap); `protocol`: an unreadable message; `token`: the
   * token function failed.
   */
  readonly kind: 'connection' | 'frame' | 'protocol' | 'token';
  /** True when the client stops because of it. */
  readonly fatal: boolean;
  readonly message: string;
  readonly code?: number;
  readonly stream?: string;
  readonly seq?: number;
  readonly frameError?: FrameErrorKind;
}

export interface ClosedEvent {
  readonly type: 'closed';
  /** The fatal error that stopped the client; undefined after `close()`. */
  readonly error?: DeltastreamError;
}

export interface ClientEventMap {
  frame: FrameEvent;
  snapshot: SnapshotEvent;
  gap: GapEvent;
  resumed: ResumedEvent;
  open: OpenEvent;
  subscribed: SubscribedEvent;
  disconnected: DisconnectedEvent;
  error: ErrorEvent;
  closed: ClosedEvent;
}

export type ClientEvent = ClientEventMap[keyof ClientEventMap];

export type ClientState = 'connecting' | 'open' | 'waiting' | 'closed';

export interface ClientStats {
  readonly framesDelivered: number;
  readonly duplicatesDropped: number;
  readonly gaps: number;
  readonly undecodableFrames: number;
  readonly connects: number;
  readonly bytesReceived: number;
}

/** Streams without a position that started `latest` resume from when they were subscribed, minus this (clock skew). */
const LATEST_RESUME_MARGIN_MS = 5_000;
const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Client-side close code for a connection presumed dead (the range 4000–4099 is the application's). */
const IDLE_CLOSE = 4000;
/** Client-side close code for replacing an SSE connection after subscribe()/unsubscribe(). */
const RESUBSCRIBE_CLOSE = 4001;

interface Outcome extends TransportClose {
  readonly transport: TransportName;
  readonly subscribed: boolean;
  readonly lifetimeMs: number;
}

interface PendingResume {
  readonly transport: TransportName;
  readonly pingId: string | undefined;
  readonly streams: Map<string, { afterSeq: number; recovered: boolean | undefined }>;
}

interface IteratorSink {
  readonly buffer: ClientEvent[];
  wake: (() => void) | undefined;
}

/**
 * A subscription to streams of a delivery edge. Created by `createClient`; connects at once. Listen with
 * `on(type, listener)`, or iterate: `for await (const event of client)`.
 */
export class DeltastreamClient extends Emitter<ClientEventMap> {
  private readonly edges: readonly { ws: string; sse: string }[];
  private edgeIndex = 0;
  private settings: SubscriptionSettings;
  private decompressors: Decompressors;
  private readonly streamStarts = new Map<string, WireStart>();
  private readonly filters = new Map<string, RecordFilter>();
  private readonly positionsTracker: StreamPositions;
  private readonly reconnect: ReconnectOptions | false;
  private readonly idleTimeoutMs: number;
  private readonly iterators = new Set<IteratorSink>();
  private readonly done: Promise<void>;
  private currentState: ClientState = 'connecting';
  private connection: Connection | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopping: { error?: DeltastreamError } | undefined;
  private closedByUser = false;
  private wakeSleep: (() => void) | undefined;
  private wakeStreams: (() => void) | undefined;
  private token: string | undefined;
  private unauthorizedInARow = 0;
  private webSocketFailures = 0;
  private webSocketOpened = false;
  private fellBackToSse = false;
  private resubscribe = false;
  private subscribedThisConnection = false;
  /** Streams a subscribe was sent for on the current connection. */
  private readonly sentStreams = new Set<string>();
  private pendingResume: PendingResume | undefined;
  private nextId = 0;
  private lastReceivedAt = 0;
  private idleTimer: ReturnType<typeof setInterval> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private drained: Promise<void> | undefined;
  private releaseDrain: (() => void) | undefined;
  private readonly counters = { framesDelivered: 0, duplicatesDropped: 0, gaps: 0, undecodableFrames: 0, connects: 0, bytesReceived: 0 };

  constructor(private readonly options: ClientOptions) {
    super();
    const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
    if (urls.length === 0) throw new TypeError('url: name at least one edge');
    this.edges = urls.map(endpointsOf);
    if (!Array.isArray(options.streams) || options.streams.length === 0) throw new TypeError('streams: name at least one stream');
    checkStreams(options.streams);
    // The edge refuses a request carrying two credentials (docs/security.md): fail here, not with 401s.
    if (options.token !== undefined && options.apiKey !== undefined) throw new TypeError('pass either a token or an API key, not both');
    this.decompressors = { ...runtimeDecompressors(), ...options.decompressors };
    this.settings = { entities: options.entities ?? [], fields: options.fields ?? [], policy: options.policy, snapshot: options.snapshot ?? false, codecs: this.advertised() };
    checkSettings(this.settings);
    this.positionsTracker = new StreamPositions();
    for (const [stream, seq] of Object.entries(options.resume ?? {})) {
      if (!Number.isSafeInteger(seq) || seq < 0) throw new TypeError(`resume.${stream} must be a seq ≥ 0`);
    }
    this.addStreams(options.streams, options.from);
    // Per-stream resume points override `from` (as on the wire), even a `{ seq }` start further ahead.
    for (const [stream, seq] of Object.entries(options.resume ?? {})) {
      if (!this.streamStarts.has(stream)) continue;
      this.positionsTracker.delete(stream);
      this.positionsTracker.advance(stream, seq);
    }
    this.reconnect = options.reconnect === false ? false : (options.reconnect ?? {});
    this.idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
    if (options.signal?.aborted) queueMicrotask(() => void this.close());
    else options.signal?.addEventListener('abort', () => void this.close(), { once: true });
    // Started in a microtask so listeners attached right after createClient() see every event.
    this.done = Promise.resolve().then(() => this.run());
  }

  get state(): ClientState {
    return this.currentState;
  }

  /** Subscribed streams. */
  get streams(): string[] {
    return [...this.streamStarts.keys()];
  }

  /** Last seq delivered (or knowingly skipped) per stream: persist it and pass it back as `resume`. */
  positions(): Record<string, number> {
    return this.positionsTracker.toJSON();
  }

  stats(): ClientStats {
    return { ...this.counters };
  }

  /** Adds streams (same filters and policy), starting at `from` (default: the client's `from`). */
  subscribe(streams: readonly string[], options: { from?: StartFrom } = {}): void {
    checkStreams(streams);
    const added = this.addStreams(streams, options.from ?? this.options.from);
    if (added.length === 0 || this.stopping) return;
    this.enqueue(() => {
      const connection = this.connection;
      if (connection?.transport === 'websocket') this.sendSubscriptions(connection, added);
      else this.replaceSseConnection();
    });
  }

  /** Removes streams; their positions are forgotten (subscribing again starts afresh). */
  unsubscribe(streams: readonly string[]): void {
    const removed = streams.filter((stream) => this.streamStarts.delete(stream));
    for (const stream of removed) {
      this.positionsTracker.delete(stream);
      this.filters.delete(stream);
      this.pendingResume?.streams.delete(stream);
    }
    if (removed.length === 0 || this.stopping) return;
    this.enqueue(() => {
      const connection = this.connection;
      for (const stream of removed) this.sentStreams.delete(stream);
      if (connection?.transport === 'websocket') connection.send(JSON.stringify({ type: 'unsubscribe', id: this.id('u'), streams: removed }));
      else this.replaceSseConnection();
    });
  }

  /** Stops: closes the connection, cancels reconnects, ends iterators. Resolves once everything stopped. */
  async close(): Promise<void> {
    if (!this.stopping) {
      this.closedByUser = true;
      this.stop({});
    }
    await this.done;
  }

  /** Every event, in order, until the client closes; throws DeltastreamError after a fatal one. Breaking out closes the client. */
  [Symbol.asyncIterator](): AsyncIterator<ClientEvent> {
    return this.events();
  }

  events(): AsyncIterableIterator<ClientEvent> {
    const sink: IteratorSink = { buffer: [], wake: undefined };
    this.iterators.add(sink);
    const finish = async (): Promise<IteratorResult<ClientEvent>> => {
      this.iterators.delete(sink);
      this.checkDrain();
      await this.close();
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<ClientEvent> = {
      next: async () => {
        for (;;) {
          const event = sink.buffer.shift();
          if (event !== undefined) {
            this.checkDrain();
            return { done: false, value: event };
          }
          if (this.currentState === 'closed') {
            this.iterators.delete(sink);
            if (this.stopping?.error) throw this.stopping.error;
            return { done: true, value: undefined };
          }
          await new Promise<void>((resolve) => (sink.wake = resolve));
          sink.wake = undefined;
        }
      },
      return: finish,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  // ——— connection loop ———

  /** Codecs to offer the edge: the decodable ones, narrowed by the `codecs` option. */
  private advertised(): CodecName[] {
    const decodable = (Object.keys(CODEC_NUMBERS) as CodecName[]).filter((codec) => typeof this.decompressors[codec] === 'function');
    return this.options.codecs ? this.options.codecs.filter((codec) => decodable.includes(codec)) : decodable;
  }

  private async run(): Promise<void> {
    // node:zlib (Node only) is loaded once, before the first subscription advertises codecs.
    this.decompressors = { ...runtimeDecompressors(), ...(await nodeDecompressors()), ...this.options.decompressors };
    this.settings = { ...this.settings, codecs: this.advertised() };
    let failures = 0;
    while (!this.stopping) {
      if (this.streamStarts.size === 0 && this.chooseTransport(undefined) === 'sse') {
        // SSE cannot hold a connection without streams: wait for subscribe().
        this.currentState = 'waiting';
        await new Promise<void>((resolve) => (this.wakeStreams = resolve));
        this.wakeStreams = undefined;
        continue;
      }
      this.currentState = 'connecting';
      const outcome = await this.connectOnce(failures);
      if (this.stopping) break;
      const next = this.afterClose(outcome, failures);
      if (next === 'stopped') break;
      failures = next.failures;
      this.currentState = 'waiting';
      if (next.delayMs > 0) await this.sleep(next.delayMs);
    }
    this.currentState = 'closed';
    this.emitEvent({ type: 'closed', ...(this.stopping?.error ? { error: this.stopping.error } : {}) });
    for (const sink of this.iterators) sink.wake?.();
  }

  /** Decides what follows a closed connection: a delay and the new failure count, or stop. */
  private afterClose(outcome: Outcome, failures: number): { delayMs: number; failures: number } | 'stopped' {
    const { code, reason, opened } = outcome;
    if (outcome.transport === 'websocket') {
      if (opened) this.webSocketOpened = true;
      else if (outcome.httpStatus === undefined) this.webSocketFailures++;
    }
    if (this.resubscribe && code === RESUBSCRIBE_CLOSE) {
      this.resubscribe = false;
      return { delayMs: 0, failures };
    }
    const action = closeAction(code);
    if (action === 'fatal') return this.fail('connection', `the edge refused the subscription: ${code} ${reason}`, code, outcome);
    if (action === 'reauth') {
      if (typeof this.options.token !== 'function') {
        const why =
          this.options.token !== undefined
            ? 'the token is not a function, so it cannot be renewed'
            : this.options.apiKey !== undefined
              ? 'the API key was refused'
              : 'the edge wants credentials: pass `token` (or `apiKey`)';
        return this.fail('connection', `unauthorized (4401: ${reason}); ${why}`, code, outcome);
      }
      this.unauthorizedInARow++;
      if (this.unauthorizedInARow >= 2) return this.fail('connection', `unauthorized again with a fresh token (4401: ${reason})`, code, outcome);
      // The token function is called on every connect: the next one gets a fresh token.
      this.disconnected(outcome, 0, failures);
      return { delayMs: 0, failures };
    }
    if (this.reconnect === false) return this.fail('connection', `disconnected (${code} ${reason}) and reconnect is off`, code, outcome, false);
    const stable = outcome.subscribed && outcome.lifetimeMs >= (this.reconnect.stableAfterMs ?? 5_000);
    const attempt = (stable ? 0 : failures) + 1;
    if (this.reconnect.maxAttempts !== undefined && attempt > this.reconnect.maxAttempts) {
      return this.fail('connection', `gave up after ${attempt - 1} failed connects (last: ${code} ${reason})`, code, outcome);
    }
    let delayMs = Math.max(backoffDelay(attempt, this.reconnect, this.options.random), outcome.retryAfterMs ?? 0, outcome.serverRetryMs ?? 0);
    if (this.edges.length > 1) {
      this.edgeIndex = (this.edgeIndex + 1) % this.edges.length;
      // Failover costs a connect, not a backoff: each other edge is tried once at once (what it asked to wait,
      // Retry-After, still holds); only after a whole round of failures does the backoff apply.
      if (attempt < this.edges.length) delayMs = Math.max(outcome.retryAfterMs ?? 0, outcome.serverRetryMs ?? 0);
    }
    this.disconnected(outcome, delayMs, attempt);
    return { delayMs, failures: attempt };
  }

  private fail(kind: ErrorEvent['kind'], message: string, code: number, outcome: Outcome, asError = true): 'stopped' {
    this.emitEvent({ type: 'disconnected', code, reason: outcome.reason, opened: outcome.opened, reconnectInMs: undefined, attempt: 0 });
    const error = new DeltastreamError(message, code);
    if (asError) this.emitEvent({ type: 'error', kind, fatal: true, message, code });
    this.stop(asError ? { error } : {});
    return 'stopped';
  }

  private disconnected(outcome: Outcome, delayMs: number, attempt: number): void {
    this.emitEvent({ type: 'disconnected', code: outcome.code, reason: outcome.reason, opened: outcome.opened, reconnectInMs: delayMs, attempt });
  }

  private stop(how: { error?: DeltastreamError }): void {
    if (this.stopping) return;
    this.stopping = how;
    this.clearConnectionTimers();
    this.connection?.close(CloseCode.Normal, 'client closed');
    this.wakeSleep?.();
    this.wakeStreams?.();
    this.releaseDrain?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      this.wakeSleep = undefined;
    });
  }

  private chooseTransport(webSocket: WebSocketConstructor | undefined | null): TransportName {
    const wanted = this.options.transport ?? 'auto';
    if (wanted !== 'auto') return wanted;
    if (webSocket === undefined) return this.fellBackToSse ? 'sse' : 'websocket'; // not resolved yet
    if (webSocket === null) return 'sse';
    const limit = this.options.webSocketAttemptsBeforeFallback ?? 2;
    if (!this.webSocketOpened && this.webSocketFailures >= limit) this.fellBackToSse = true;
    return this.fellBackToSse ? 'sse' : 'websocket';
  }

  /** One connection, from credentials to its end; resolves once everything it received has been handled. */
  private async connectOnce(failures: number): Promise<Outcome> {
    const webSocket = (this.options.transport ?? 'auto') === 'sse' ? null : ((await resolveWebSocket(this.options.WebSocket)) ?? null);
    const transport = this.chooseTransport(webSocket);
    try {
      await this.resolveToken();
    } catch (error) {
      const message = `token: ${(error as Error).message}`;
      this.emitEvent({ type: 'error', kind: 'token', fatal: false, message });
      return { code: CloseCode.Abnormal, reason: message, opened: false, transport, subscribed: false, lifetimeMs: 0 };
    }
    if (this.stopping) return { code: CloseCode.Normal, reason: 'client closed', opened: false, transport, subscribed: false, lifetimeMs: 0 };

    let openedAt = 0;
    this.subscribedThisConnection = false;
    this.sentStreams.clear();
    this.pendingResume = undefined;
    return new Promise<Outcome>((resolve) => {
      const handlers: TransportHandlers = {
        open: () => {
          openedAt = Date.now();
          this.lastReceivedAt = openedAt;
          this.enqueue(() => this.onOpen(failures));
        },
        frame: (bytes) => {
          this.lastReceivedAt = Date.now();
          this.counters.bytesReceived += bytes.length;
          this.enqueue(() => this.onFrame(bytes));
        },
        notice: (text, sseEvent) => {
          this.lastReceivedAt = Date.now();
          this.enqueue(() => this.onNotice(text, sseEvent));
        },
        heartbeat: () => {
          this.lastReceivedAt = Date.now();
          this.enqueue(() => this.onHeartbeat());
        },
        closed: (info) => {
          this.clearConnectionTimers();
          this.enqueue(() => {
            this.connection = undefined;
            this.pendingResume = undefined;
            resolve({ ...info, transport, subscribed: this.subscribedThisConnection, lifetimeMs: openedAt ? Date.now() - openedAt : 0 });
          });
        },
      };
      if (transport === 'websocket' && webSocket) {
        const { url, headers } = this.withCredentials(this.endpoints.ws, acceptsHeaders(webSocket));
        this.connection = openWebSocket(webSocket, { url, headers, connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000 }, handlers);
      } else {
        const fetchImpl = resolveFetch(this.options.fetch);
        if (!fetchImpl) {
          this.fail('connection', 'neither WebSocket nor fetch is available: pass the `WebSocket` option (e.g. the ws package)', CloseCode.Abnormal, {
            code: CloseCode.Abnormal,
            reason: 'no transport',
            opened: false,
            transport,
            subscribed: false,
            lifetimeMs: 0,
          });
          resolve({ code: CloseCode.Normal, reason: 'no transport', opened: false, transport, subscribed: false, lifetimeMs: 0 });
          return;
        }
        const starts = this.streamList();
        const { query, lastEventId } = sseRequest(starts, this.positionsTracker, this.settings);
        const base = new URL(this.endpoints.sse);
        for (const [key, value] of query) base.searchParams.set(key, value);
        const { url, headers } = this.withCredentials(base.toString(), this.options.credentials === 'header' || (this.options.credentials !== 'query' && !inBrowser()));
        this.startResume('sse', undefined);
        this.connection = openSse(fetchImpl, { url, headers: { ...headers, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000 }, handlers);
      }
    });
  }

  private async resolveToken(): Promise<void> {
    const source = this.options.token;
    if (source === undefined) return;
    if (typeof source === 'string') {
      this.token = source;
      return;
    }
    const token = await source();
    if (typeof token !== 'string' || token === '') throw new Error('the token function returned no token');
    this.token = token;
  }

  /** The edge this connection goes to. */
  private get endpoints(): { ws: string; sse: string } {
    return this.edges[this.edgeIndex] as { ws: string; sse: string };
  }

  private withCredentials(endpoint: string, headersPossible: boolean): { url: string; headers: Record<string, string> } {
    const url = new URL(endpoint);
    const headers: Record<string, string> = {};
    const useHeaders = this.options.credentials === 'header' || (this.options.credentials !== 'query' && headersPossible);
    if (this.token !== undefined) {
      if (useHeaders) headers['authorization'] = `Bearer ${this.token}`;
      else url.searchParams.set('access_token', this.token);
    }
    if (this.options.apiKey !== undefined) {
      if (useHeaders) headers['x-api-key'] = this.options.apiKey;
      else url.searchParams.set('api_key', this.options.apiKey);
    }
    return { url: url.toString(), headers };
  }

  // ——— connection events (run in order on the chain) ———

  private onOpen(failures: number): void {
    const connection = this.connection;
    if (!connection || this.stopping) return;
    this.counters.connects++;
    this.currentState = 'open';
    this.emitEvent({ type: 'open', transport: connection.transport, attempt: failures });
    if (connection.transport === 'websocket') {
      this.sendSubscriptions(connection, this.streams);
      this.scheduleTokenRefresh(connection);
    }
    this.startIdleWatch(connection);
  }

  private sendSubscriptions(connection: Connection, streams: readonly string[]): void {
    const starts = this.streamList().filter((s) => streams.includes(s.stream) && !this.sentStreams.has(s.stream));
    if (starts.length === 0) return;
    for (const { stream } of starts) this.sentStreams.add(stream);
    const sentAt = Date.now();
    const resumes = starts.some((s) => this.positionsTracker.has(s.stream));
    for (const message of subscribeMessages(starts, this.positionsTracker, this.settings, () => this.id('s'))) {
      connection.send(JSON.stringify(message));
      // A `latest` stream that receives nothing before a disconnect has no seq to resume from: it resumes
      // from when it was subscribed instead, so frames published while disconnected are not lost.
      for (const stream of message.streams) {
        if (this.streamStarts.get(stream) === 'latest') this.streamStarts.set(stream, { time: Math.max(0, sentAt - LATEST_RESUME_MARGIN_MS) });
      }
    }
    if (resumes) {
      // The pong comes after everything the edge queued for these subscriptions' starts (retention gaps).
      const pingId = this.id('resume');
      this.startResume('websocket', pingId, starts.map((s) => s.stream));
      connection.send(JSON.stringify({ type: 'ping', id: pingId }));
    }
  }

  private startResume(transport: TransportName, pingId: string | undefined, only?: readonly string[]): void {
    const streams = new Map<string, { afterSeq: number; recovered: boolean | undefined }>();
    for (const stream of only ?? this.streams) {
      const afterSeq = this.positionsTracker.get(stream);
      if (afterSeq !== undefined) streams.set(stream, { afterSeq, recovered: undefined });
    }
    this.pendingResume = streams.size > 0 ? { transport, pingId, streams } : undefined;
  }

  /** Records how a resumed stream continued; emits `resumed` once every stream is known (or at the barrier). */
  private resumeOutcome(stream: string, recovered: boolean): void {
    const entry = this.pendingResume?.streams.get(stream);
    if (!entry || entry.recovered !== undefined) return;
    entry.recovered = recovered;
    if ([...(this.pendingResume?.streams.values() ?? [])].every((s) => s.recovered !== undefined)) this.finishResume();
  }

  private finishResume(): void {
    const pending = this.pendingResume;
    if (!pending) return;
    this.pendingResume = undefined;
    const streams: Record<string, { afterSeq: number; recovered: boolean }> = {};
    // Undecided at the barrier: the edge queued no gap for it, so nothing was lost.
    for (const [stream, entry] of pending.streams) streams[stream] = { afterSeq: entry.afterSeq, recovered: entry.recovered ?? true };
    this.emitEvent({ type: 'resumed', transport: pending.transport, recovered: Object.values(streams).every((s) => s.recovered), streams });
  }

  private async onFrame(bytes: Uint8Array): Promise<void> {
    if (this.closedByUser) return;
    let frame: WireFrame;
    try {
      frame = parseFrame(bytes);
    } catch (error) {
      this.emitEvent({ type: 'error', kind: 'protocol', fatal: false, message: (error as Error).message });
      return;
    }
    const { stream, seq } = frame;
    if (!this.streamStarts.has(stream)) return; // in flight when unsubscribed
    const decision = this.positionsTracker.check(stream, seq);
    if (decision.action === 'duplicate') {
      this.counters.duplicatesDropped++;
      return;
    }
    let decoded;
    try {
      decoded = await decodeFrame(frame, {
        decompressors: this.decompressors,
        maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        verifyChecksums: this.options.verifyChecksums ?? true,
      });
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.undecodable(frame, error, decision.missing);
      return;
    }
    if (this.closedByUser) return;
    if (decision.missing) this.emitGap(stream, decision.missing, 'unannounced');
    this.positionsTracker.advance(stream, seq);
    this.resumeOutcome(stream, decision.missing === undefined);
    this.counters.framesDelivered++;
    this.emitEvent({
      type: 'frame',
      stream,
      seq,
      records: this.filterFor(stream)(decoded.records),
      eventCount: frame.eventCount,
      windowStartMs: frame.windowStartMs,
      windowEndMs: frame.windowEndMs,
      windowId: frame.windowId,
      minObservedAtMs: frame.minObservedAtMs,
      producedAtMs: frame.producedAtMs,
      codec: decoded.codec,
      bytes: bytes.length,
    });
  }

  /** A frame that cannot be decoded is reported, then skipped as a gap: later frames decode on their own. */
  private undecodable(frame: WireFrame, error: FrameError, missing: SeqRange | undefined): void {
    this.counters.undecodableFrames++;
    this.emitEvent({ type: 'error', kind: 'frame', fatal: false, message: error.message, stream: frame.stream, seq: frame.seq, frameError: error.kind });
    if (missing) this.emitGap(frame.stream, missing, 'unannounced');
    this.positionsTracker.advance(frame.stream, frame.seq);
    this.emitGap(frame.stream, { first: frame.seq, last: frame.seq }, 'undecodable');
    this.resumeOutcome(frame.stream, false);
  }

  private emitGap(stream: string, range: SeqRange, reason: GapEvent['reason'], earliestAvailableSeq?: number): void {
    this.counters.gaps++;
    this.emitEvent({ type: 'gap', stream, firstMissingSeq: range.first, lastMissingSeq: range.last, reason, ...(earliestAvailableSeq === undefined ? {} : { earliestAvailableSeq }) });
  }

  private onNotice(text: string, sseEvent: string | undefined): void {
    if (this.closedByUser) return;
    const parsed = parseNotice(text, sseEvent);
    if (!parsed.ok) {
      this.emitEvent({ type: 'error', kind: 'protocol', fatal: false, message: parsed.reason });
      return;
    }
    this.notice(parsed.notice);
  }

  private notice(notice: ServerNotice): void {
    switch (notice.type) {
      case 'subscribed':
        this.subscribedThisConnection = true;
        this.unauthorizedInARow = 0;
        this.emitEvent({ type: 'subscribed', streams: notice.streams });
        return;
      case 'pong':
        if (notice.id !== undefined && notice.id === this.pendingResume?.pingId) this.finishResume();
        return;
      case 'gap': {
        if (!this.streamStarts.has(notice.stream)) return;
        const range = this.positionsTracker.gap(notice.stream, notice.firstMissingSeq, notice.lastMissingSeq);
        if (!range) return;
        this.emitGap(notice.stream, range, notice.reason, notice.earliestAvailableSeq);
        this.resumeOutcome(notice.stream, false);
        return;
      }
      case 'snapshot':
        if (!this.streamStarts.has(notice.stream) || !this.positionsTracker.snapshot(notice.stream, notice.asOfSeq)) return;
        this.emitEvent({ type: 'snapshot', stream: notice.stream, asOfSeq: notice.asOfSeq, records: notice.records });
        this.resumeOutcome(notice.stream, false);
        return;
      default:
        // unsubscribed acks, SSE closes (handled by the transport), types of a newer edge
        return;
    }
  }

  private onHeartbeat(): void {
    // SSE: the edge writes what it queued at subscribe (retention gaps) before its first heartbeat comment.
    if (this.pendingResume?.transport === 'sse' && this.subscribedThisConnection) this.finishResume();
    // The SSE greeting comment stands for the subscription ack (SSE has no `subscribed` notice).
    if (this.connection?.transport === 'sse' && !this.subscribedThisConnection) {
      this.subscribedThisConnection = true;
      this.unauthorizedInARow = 0;
      this.emitEvent({ type: 'subscribed', streams: this.streams });
      for (const stream of this.streams) {
        if (this.streamStarts.get(stream) === 'latest') this.streamStarts.set(stream, { time: Math.max(0, Date.now() - LATEST_RESUME_MARGIN_MS) });
      }
    }
  }

  private replaceSseConnection(): void {
    const connection = this.connection;
    if (this.streamStarts.size > 0) this.wakeStreams?.();
    if (!connection) return;
    this.resubscribe = true;
    connection.close(RESUBSCRIBE_CLOSE, 'subscription changed');
  }

  // ——— timers ———

  private startIdleWatch(connection: Connection): void {
    clearInterval(this.idleTimer);
    const tick = Math.max(50, Math.floor(this.idleTimeoutMs / 3));
    this.idleTimer = setInterval(() => {
      const silentFor = Date.now() - this.lastReceivedAt;
      if (silentFor >= this.idleTimeoutMs) connection.close(IDLE_CLOSE, `nothing from the edge for ${silentFor} ms`);
      // Browsers cannot see the edge's protocol pings; an application ping gets an answer they can see.
      else if (silentFor >= tick) connection.send(JSON.stringify({ type: 'ping', id: this.id('p') }));
    }, tick);
  }

  private scheduleTokenRefresh(connection: Connection): void {
    clearTimeout(this.refreshTimer);
    const source = this.options.token;
    const expiresAt = this.token === undefined ? undefined : jwtExpiryMs(this.token);
    if (typeof source !== 'function' || expiresAt === undefined) return;
    const delay = refreshDelayMs(expiresAt, Date.now(), this.options.tokenRefreshLeadMs ?? 30_000);
    this.refreshTimer = setTimeout(() => {
      void (async () => {
        try {
          const token = await source();
          if (typeof token !== 'string' || token === '') throw new Error('the token function returned no token');
          if (this.connection !== connection) return;
          this.token = token;
          connection.send(JSON.stringify({ type: 'auth', token }));
          this.scheduleTokenRefresh(connection);
        } catch (error) {
          // The edge closes with 4401 when the old token expires; that path gets a new one.
          this.emitEvent({ type: 'error', kind: 'token', fatal: false, message: `token refresh: ${(error as Error).message}` });
        }
      })();
    }, delay);
  }

  private clearConnectionTimers(): void {
    clearInterval(this.idleTimer);
    clearTimeout(this.refreshTimer);
    this.idleTimer = undefined;
    this.refreshTimer = undefined;
  }

  // ——— plumbing ———

  private addStreams(streams: readonly string[], from: StartFrom | undefined): string[] {
    const { start, afterSeq } = normalizeStart(from);
    const added: string[] = [];
    for (const stream of streams) {
      if (this.streamStarts.has(stream)) continue;
      this.streamStarts.set(stream, start);
      if (afterSeq !== undefined) this.positionsTracker.advance(stream, afterSeq);
      added.push(stream);
    }
    return added;
  }

  private streamList(): Array<{ stream: string; start: WireStart }> {
    return [...this.streamStarts].map(([stream, start]) => ({ stream, start }));
  }

  private filterFor(stream: string): RecordFilter {
    let filter = this.filters.get(stream);
    if (!filter) {
      const entityKey = this.options.entityKeys?.[stream] ?? this.options.entityKey ?? 'id';
      filter = recordFilter(entityKey, this.settings.entities, this.settings.fields);
      this.filters.set(stream, filter);
    }
    return filter;
  }

  private id(prefix: string): string {
    return `${prefix}${++this.nextId}`;
  }

  /** Runs `task` after everything received before it; waits while an iterator is too far behind. */
  private enqueue(task: () => void | Promise<void>): void {
    this.chain = this.chain
      .then(() => this.drained)
      .then(task)
      .catch((error: unknown) => {
        // A bug, not a wire problem: surface it without wedging the chain.
        this.emitEvent({ type: 'error', kind: 'protocol', fatal: false, message: `internal error: ${(error as Error).message}` });
      });
  }

  private emitEvent(event: ClientEvent): void {
    this.emit(event.type, event as never);
    for (const sink of this.iterators) {
      sink.buffer.push(event);
      sink.wake?.();
    }
    this.checkDrain();
  }

  private checkDrain(): void {
    const highWaterMark = this.options.highWaterMark ?? 1024;
    const backlog = Math.max(0, ...[...this.iterators].map((sink) => sink.buffer.length));
    if (backlog >= highWaterMark && !this.drained && !this.stopping) {
      this.drained = new Promise((resolve) => (this.releaseDrain = resolve));
    } else if ((backlog <= highWaterMark / 2 || this.stopping) && this.releaseDrain) {
      const release = this.releaseDrain;
      this.releaseDrain = undefined;
      this.drained = undefined;
      release();
    }
  }
}

/** Creates a client and starts connecting. */
export function createClient(options: ClientOptions): DeltastreamClient {
  return new DeltastreamClient(options);
}

/** The WebSocket and SSE endpoints of an edge URL (its query parameters are kept on both). */
export function endpointsOf(url: string): { ws: string; sse: string } {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  const parsed = new URL(url, base);
  let path = parsed.pathname.replace(/\/+$/, '');
  const match = /\/v1\/(ws|sse)$/.exec(path);
  if (match) path = path.slice(0, match.index);
  const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol)) throw new TypeError(`url must be ws(s):// or http(s):// (got ${parsed.protocol})`);
  return {
    ws: `${secure ? 'wss' : 'ws'}://${parsed.host}${path}/v1/ws${parsed.search}`,
    sse: `${secure ? 'https' : 'http'}://${parsed.host}${path}/v1/sse${parsed.search}`,
  };
}
