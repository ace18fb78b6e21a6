import { CloseCode } from './close-codes';
import type { GapNoticeInfo } from './gap-notice';
import { LinkedList, type ListNode } from './linked-list';
import { DEFAULT_SLOW_CONSUMER_POLICY, type SlowConsumerPolicyName } from './subscription';

/**
 * What goes to one client, in order. `payload` is whatever the transport writes (usually the shared
 * wire buffer of a frame); `bytes` is what it costs in memory. `seq` is the stream position the client
 * has reached once it has processed the item (a gap's last missing seq, a snapshot's asOfSeq): the SSE
 * event id and the resume point.
 */
export type OutboundItem<P> =
  | { readonly kind: 'frame'; readonly stream: string; readonly seq: number; readonly bytes: number; readonly payload: P }
  | { readonly kind: 'snapshot'; readonly stream: string; readonly seq: number; readonly bytes: number; readonly payload: P }
  | { readonly kind: 'gap'; readonly stream: string; readonly seq: number; readonly bytes: number; readonly payload: GapNoticeInfo }
  | { readonly kind: 'notice'; readonly stream?: string; readonly bytes: number; readonly payload: P };

type FrameItem<P> = Extract<OutboundItem<P>, { kind: 'frame' }>;
type HeldItem<P> = Exclude<OutboundItem<P>, { kind: 'frame' }>;

/** A snapshot of a stream reflecting every frame up to and including `asOfSeq`. */
export interface QueueSnapshot<P> {
  readonly asOfSeq: number;
  readonly bytes: number;
  readonly payload: P;
}

/**
 * Builds the snapshot that replaces a coalesced stream's frames. Called lazily, when the snapshot is
 * about to be written, so at most one snapshot per stream is ever materialised per drain. It must
 * reflect at least `asOfSeq` (the shared latest state is updated before a frame is enqueued anywhere,
 * so it can only be ahead); a newer snapshot is fine: later frames it already covers are skipped.
 * `undefined` (no state kept for the stream) degrades to a gap notice, never a silent loss.
 */
export type SnapshotSource<P> = (stream: string, asOfSeq: number) => QueueSnapshot<P> | undefined;

export interface ConnectionQueueOptions<P> {
  /** Bytes the queue may hold; see the class comment for the single-item exception. */
  readonly capBytes: number;
  readonly snapshotFor: SnapshotSource<P>;
  /** Policy of streams not given one with setPolicy. */
  readonly defaultPolicy?: SlowConsumerPolicyName;
  /** The size counted for a gap notice the queue writes itself (metrics only: notices are not queued). */
  readonly gapNoticeBytes?: number;
}

export type EnqueueOutcome =
  | { readonly action: 'queued' }
  /** Folded into the stream's pending snapshot (coalesce). */
  | { readonly action: 'coalesced' }
  /** The frame itself was dropped (drop-oldest); a gap notice will name it. */
  | { readonly action: 'dropped' }
  /** Already reflected in a snapshot this client gets; nothing to send. */
  | { readonly action: 'superseded' }
  /** Close the connection with this code; the queue is empty and refuses everything from now on. */
  | { readonly action: 'close'; readonly code: typeof CloseCode.SlowConsumer; readonly reason: string };

export interface QueueCounters {
  /** Frames dropped by drop-oldest (each named by a gap notice). */
  droppedFrames: number;
  /** Gap notices written by the queue (drop-oldest, or a coalesce whose snapshot was unavailable). */
  gapNotices: number;
  /** Times a stream's queued frames were replaced by one pending snapshot. */
  coalesces: number;
  /** Frames folded into pending snapshots. */
  coalescedFrames: number;
  /** Frames skipped because a snapshot already covered them. */
  supersededFrames: number;
  /** Coalesces that ended as a gap notice because snapshotFor had nothing. */
  snapshotFallbacks: number;
  /** Items larger than the cap, admitted alone into an otherwise empty queue. */
  oversizedItems: number;
  /** 1 once the queue asked for the connection to be closed. */
  disconnects: number;
}

export interface QueueMetrics extends Readonly<QueueCounters> {
  readonly queuedBytes: number;
  /** Entries that hold bytes (frames, notices, snapshots); pending gap/snapshot markers hold none. */
  readonly queuedPayloads: number;
  readonly queuedEntries: number;
  readonly peakQueuedBytes: number;
  readonly writable: boolean;
}

interface FrameEntry<P> {
  readonly kind: 'frame';
  readonly item: FrameItem<P>;
  main?: ListNode<Entry<P>>;
  inStream?: ListNode<FrameEntry<P>>;
  inQueue?: ListNode<FrameEntry<P>>;
}

interface HeldEntry<P> {
  readonly kind: 'held';
  readonly item: HeldItem<P>;
  main?: ListNode<Entry<P>>;
  inStream?: ListNode<HeldEntry<P>>;
}

/** A gap notice waiting to be written: merged with every later drop of the same stream until it is. */
interface GapMarker<P> {
  readonly kind: 'gap-marker';
  readonly stream: string;
  first: number;
  last: number;
  main?: ListNode<Entry<P>>;
}

/** A snapshot waiting to be built (see SnapshotSource); later frames of the stream fold into it. */
interface SnapshotMarker<P> {
  readonly kind: 'snapshot-marker';
  readonly stream: string;
  firstSeq: number;
  asOfSeq: number;
  main?: ListNode<Entry<P>>;
}

type Entry<P> = FrameEntry<P> | HeldEntry<P> | GapMarker<P> | SnapshotMarker<P>;

interface StreamState<P> {
  readonly name: string;
  policy: SlowConsumerPolicyName;
  readonly frames: LinkedList<FrameEntry<P>>;
  readonly held: LinkedList<HeldEntry<P>>;
  gapMarker: GapMarker<P> | undefined;
  snapshotMarker: SnapshotMarker<P> | undefined;
  /** Frames up to here are covered by a snapshot queued or written: new ones at or below are skipped (as are already-delivered seqs). */
  coveredUpTo: number;
  /** The position this client has reached (last frame, snapshot or gap written). */
  deliveredUpTo: number;
}

const QUEUED: EnqueueOutcome = { action: 'queued' };
const COALESCED: EnqueueOutcome = { action: 'coalesced' };
const DROPPED: EnqueueOutcome = { action: 'dropped' };
const SUPERSEDED: EnqueueOutcome = { action: 'superseded' };

/**
 * The bounded outbound queue of one connection.
 *
 * Pressure comes from the queue filling up; the transport's backpressure signal (reportWritable)
 * only stops `next()` from handing out items, so a blocked client fills its queue and meets its policy.
 * When an item does not fit, the incoming frame's stream policy decides:
 * - `coalesce`: the stream's queued frames become ONE pending snapshot at the oldest frame's place;
 *   this frame and later ones fold into it until it is written (built lazily by `snapshotFor`).
 *   Nothing is lost: the snapshot reflects everything up to its asOfSeq.
 * - `drop-oldest`: the stream's oldest frames are dropped, then (if that is not enough) the oldest
 *   frames of the whole queue, each by its own stream's policy, then the incoming frame itself. Every
 *   drop is named by one gap notice per stream, placed where the first dropped frame was (so before the
 *   stream's next frame) and merged with later drops until written.
 * - `disconnect`: `{ action: 'close', code: 4008 }`.
 * Notices, caller snapshots and caller gap notices are never dropped: when they do not fit even after
 * shedding frames, the client is not reading its replies and the connection is closed (4008).
 *
 * Memory: queued bytes never exceed the cap, except that an item larger than the cap is admitted when
 * the queue holds no bytes (it is then the only payload; a cap below the largest frame would otherwise
 * starve the stream). An oversized item arriving while other bytes are queued is handled by policy like
 * any item that does not fit, except that other streams are never shed for it (drop-oldest drops its
 * own stream's older frames, then the item). Size the cap above the largest frame; the exception only
 * keeps a misconfigured edge working. Pending markers hold no payload.
 * The only item outside the cap is the one `next()` just returned (a built snapshot or a gap notice).
 *
 * Every operation is O(1) amortised per item: each entry is linked once and unlinked once.
 */
export class ConnectionQueue<P> {
  private readonly capBytes: number;
  private readonly snapshotFor: SnapshotSource<P>;
  private readonly defaultPolicy: SlowConsumerPolicyName;
  private readonly gapNoticeBytes: number;
  /** Delivery order. */
  private readonly entries = new LinkedList<Entry<P>>();
  /** Frames only, in queue order: the oldest frame of the whole queue in O(1). */
  private readonly frames = new LinkedList<FrameEntry<P>>();
  private readonly streams = new Map<string, StreamState<P>>();
  private queuedBytes = 0;
  private queuedPayloads = 0;
  private peakQueuedBytes = 0;
  private writable = true;
  private closing: Extract<EnqueueOutcome, { action: 'close' }> | undefined;
  private readonly counters: QueueCounters = {
    droppedFrames: 0,
    gapNotices: 0,
    coalesces: 0,
    coalescedFrames: 0,
    supersededFrames: 0,
    snapshotFallbacks: 0,
    oversizedItems: 0,
    disconnects: 0,
  };

  constructor(options: ConnectionQueueOptions<P>) {
    if (!(options.capBytes > 0)) throw new RangeError('capBytes must be positive');
    this.capBytes = options.capBytes;
    this.snapshotFor = options.snapshotFor;
    this.defaultPolicy = options.defaultPolicy ?? DEFAULT_SLOW_CONSUMER_POLICY;
    this.gapNoticeBytes = options.gapNoticeBytes ?? 96;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** The stream's slow-consumer policy, from its subscription. */
  setPolicy(stream: string, policy: SlowConsumerPolicyName): void {
    this.stateOf(stream).policy = policy;
  }

  /** The transport's backpressure: false when its buffer is over its threshold, true once drained. */
  reportWritable(writable: boolean): void {
    this.writable = writable;
  }

  reportDrained(): void {
    this.writable = true;
  }

  enqueue(item: OutboundItem<P>): EnqueueOutcome {
    if (this.closing) return this.closing;
    return item.kind === 'frame' ? this.enqueueFrame(item) : this.enqueueHeld(item);
  }

  /** The next item to write, or undefined when empty, closed or the transport is not writable. */
  next(): OutboundItem<P> | undefined {
    if (!this.writable || this.closing) return undefined;
    for (let node = this.entries.first(); node; node = this.entries.first()) {
      const item = this.take(node.value);
      if (item) return item;
    }
    return undefined;
  }

  /**
   * Writes items while the transport accepts them. `write` returns false when the transport's buffer
   * is full (the item was still taken, as with Node streams); the queue then waits for reportDrained.
   */
  pump(write: (item: OutboundItem<P>) => boolean): number {
    let written = 0;
    for (let item = this.next(); item; item = this.next()) {
      written++;
      if (!write(item)) {
        this.writable = false;
        break;
      }
    }
    return written;
  }

  /** Forgets a stream (unsubscribe): its queued items and pending notices go with it. */
  forgetStream(stream: string): void {
    const state = this.streams.get(stream);
    if (!state) return;
    for (const entry of [...state.frames.values()]) this.unlinkFrame(state, entry);
    for (const entry of [...state.held.values()]) this.unlinkHeld(state, entry);
    if (state.gapMarker?.main) this.entries.remove(state.gapMarker.main);
    if (state.snapshotMarker?.main) this.entries.remove(state.snapshotMarker.main);
    this.streams.delete(stream);
  }

  metrics(): QueueMetrics {
    return {
      ...this.counters,
      queuedBytes: this.queuedBytes,
      queuedPayloads: this.queuedPayloads,
      queuedEntries: this.entries.size,
      peakQueuedBytes: this.peakQueuedBytes,
      writable: this.writable,
    };
  }

  private enqueueFrame(item: FrameItem<P>): EnqueueOutcome {
    const state = this.stateOf(item.stream);
    if (item.seq <= Math.max(state.coveredUpTo, state.deliveredUpTo)) {
      this.counters.supersededFrames++;
      return SUPERSEDED;
    }
    if (state.snapshotMarker) return this.fold(state.snapshotMarker, item.seq);
    if (this.hasRoomFor(item.bytes)) {
      this.pushFrame(state, item);
      return QUEUED;
    }
    switch (state.policy) {
      case 'disconnect':
        return this.close(`slow consumer: the queue is full (stream "${item.stream}", policy disconnect)`);
      case 'coalesce':
        return this.fold(this.coalesce(state), item.seq);
      case 'drop-oldest':
        return this.dropOldestFor(state, item);
    }
  }

  private dropOldestFor(state: StreamState<P>, item: FrameItem<P>): EnqueueOutcome {
    // The stream that overflows pays first, sparing older frames of quieter streams.
    for (let oldest = state.frames.first(); oldest && !this.hasRoomFor(item.bytes); oldest = state.frames.first()) {
      this.dropFrame(state, oldest.value);
    }
    // Other streams are shed only for an item that can fit: emptying the queue for an oversized
    // frame would lose more than the frame.
    if (item.bytes <= this.capBytes) {
      const closing = this.shedOldestFrames(item.bytes);
      if (closing) return closing;
    }
    if (this.hasRoomFor(item.bytes)) {
      this.pushFrame(state, item);
      return QUEUED;
    }
    // None of the stream's frames is queued any more, so its pending gap notice precedes nothing of
    // the stream and can simply grow to include this frame.
    this.noteDropped(state, item.seq);
    return DROPPED;
  }

  private enqueueHeld(item: HeldItem<P>): EnqueueOutcome {
    if (!this.hasRoomFor(item.bytes) && item.bytes <= this.capBytes) {
      const closing = this.shedOldestFrames(item.bytes);
      if (closing) return closing;
    }
    if (!this.hasRoomFor(item.bytes)) return this.close(`slow consumer: no room for a ${item.kind} (the client is not reading)`);
    const state = item.stream === undefined ? undefined : this.stateOf(item.stream);
    const entry: HeldEntry<P> = { kind: 'held', item };
    entry.main = this.entries.push(entry);
    if (state) {
      entry.inStream = state.held.push(entry);
      if (item.kind === 'snapshot') state.coveredUpTo = Math.max(state.coveredUpTo, item.seq);
    }
    this.addBytes(item.bytes);
    return QUEUED;
  }

  /** Frees room by the oldest frames of the whole queue, each by its own stream's policy. */
  private shedOldestFrames(bytes: number): EnqueueOutcome | undefined {
    for (let oldest = this.frames.first(); oldest && !this.hasRoomFor(bytes); oldest = this.frames.first()) {
      const state = this.stateOf(oldest.value.item.stream);
      switch (state.policy) {
        case 'disconnect':
          return this.close(`slow consumer: the queue is full (stream "${state.name}", policy disconnect)`);
        case 'coalesce':
          this.coalesce(state);
          break;
        case 'drop-oldest':
          this.dropFrame(state, oldest.value);
          break;
      }
    }
    return undefined;
  }

  /** Room for `bytes`, or an empty queue (the single-item exception to the cap). */
  private hasRoomFor(bytes: number): boolean {
    return this.queuedBytes + bytes <= this.capBytes || this.queuedPayloads === 0;
  }

  /** Replaces the stream's queued frames with one pending snapshot at the oldest frame's place. */
  private coalesce(state: StreamState<P>): SnapshotMarker<P> {
    const marker = state.snapshotMarker ?? this.placeSnapshotMarker(state);
    // Normally nothing is queued behind a pending snapshot (frames fold into it); folding whatever is
    // guarantees that shedding always frees this stream's bytes.
    for (let node = state.frames.first(); node; node = state.frames.first()) {
      this.unlinkFrame(state, node.value);
      this.foldSeq(marker, node.value.item.seq);
    }
    return marker;
  }

  private placeSnapshotMarker(state: StreamState<P>): SnapshotMarker<P> {
    const oldest = state.frames.first()?.value;
    const marker: SnapshotMarker<P> = { kind: 'snapshot-marker', stream: state.name, firstSeq: Number.POSITIVE_INFINITY, asOfSeq: 0 };
    marker.main = oldest?.main ? this.entries.insertBefore(oldest.main, marker) : this.entries.push(marker);
    state.snapshotMarker = marker;
    this.counters.coalesces++;
    return marker;
  }

  private fold(marker: SnapshotMarker<P>, seq: number): EnqueueOutcome {
    this.foldSeq(marker, seq);
    return COALESCED;
  }

  private foldSeq(marker: SnapshotMarker<P>, seq: number): void {
    marker.firstSeq = Math.min(marker.firstSeq, seq);
    marker.asOfSeq = Math.max(marker.asOfSeq, seq);
    this.counters.coalescedFrames++;
  }

  /** Drops a queued frame; the stream's pending gap notice takes its place, or grows to include it. */
  private dropFrame(state: StreamState<P>, entry: FrameEntry<P>): void {
    if (!state.gapMarker && entry.main) {
      const marker: GapMarker<P> = { kind: 'gap-marker', stream: state.name, first: entry.item.seq, last: entry.item.seq };
      marker.main = this.entries.insertBefore(entry.main, marker);
      state.gapMarker = marker;
    } else this.widenGap(state, entry.item.seq);
    this.unlinkFrame(state, entry);
    this.counters.droppedFrames++;
  }

  /** Drops a frame that was never queued (none of its stream's frames is queued: the notice goes last or grows). */
  private noteDropped(state: StreamState<P>, seq: number): void {
    if (!state.gapMarker) {
      const marker: GapMarker<P> = { kind: 'gap-marker', stream: state.name, first: seq, last: seq };
      marker.main = this.entries.push(marker);
      state.gapMarker = marker;
    } else this.widenGap(state, seq);
    this.counters.droppedFrames++;
  }

  /**
   * Drops are always the stream's oldest frames, so they extend the pending range; seqs the caller
   * never enqueued in between (if it skips any) are named too — the client did not get them either.
   */
  private widenGap(state: StreamState<P>, seq: number): void {
    const marker = state.gapMarker;
    if (!marker) return;
    marker.first = Math.min(marker.first, seq);
    marker.last = Math.max(marker.last, seq);
  }

  /** Turns the head entry into what the client gets next, or undefined when there is nothing to send for it. */
  private take(entry: Entry<P>): OutboundItem<P> | undefined {
    switch (entry.kind) {
      case 'frame':
        return this.takeFrame(entry);
      case 'held':
        return this.takeHeld(entry);
      case 'gap-marker':
        return this.takeGap(entry);
      case 'snapshot-marker':
        return this.takeSnapshot(entry);
    }
  }

  private takeFrame(entry: FrameEntry<P>): OutboundItem<P> | undefined {
    const state = this.stateOf(entry.item.stream);
    this.unlinkFrame(state, entry);
    if (entry.item.seq <= state.deliveredUpTo) {
      this.counters.supersededFrames++;
      return undefined;
    }
    state.deliveredUpTo = entry.item.seq;
    return entry.item;
  }

  private takeHeld(entry: HeldEntry<P>): OutboundItem<P> | undefined {
    const item = entry.item;
    const state = item.stream === undefined ? undefined : this.streams.get(item.stream);
    if (state) this.unlinkHeld(state, entry);
    else this.unlinkPayload(entry, item.bytes);
    if (!state || item.kind === 'notice') return item;
    if (item.kind === 'snapshot') {
      // A snapshot no newer than what the client has would move it backwards.
      if (item.seq <= state.deliveredUpTo) return undefined;
      state.deliveredUpTo = item.seq;
      return item;
    }
    const gap = this.trimGap(state, item.payload);
    if (!gap) return undefined;
    state.deliveredUpTo = Math.max(state.deliveredUpTo, gap.lastMissingSeq);
    return gap === item.payload ? item : { ...item, payload: gap };
  }

  private takeGap(marker: GapMarker<P>): OutboundItem<P> | undefined {
    if (marker.main) this.entries.remove(marker.main);
    const state = this.stateOf(marker.stream);
    if (state.gapMarker === marker) state.gapMarker = undefined;
    return this.slowConsumerGap(state, marker.first, marker.last);
  }

  private takeSnapshot(marker: SnapshotMarker<P>): OutboundItem<P> | undefined {
    if (marker.main) this.entries.remove(marker.main);
    const state = this.stateOf(marker.stream);
    if (state.snapshotMarker === marker) state.snapshotMarker = undefined;
    const snapshot = this.snapshotFor(marker.stream, marker.asOfSeq);
    if (snapshot && snapshot.asOfSeq >= marker.asOfSeq) {
      state.coveredUpTo = Math.max(state.coveredUpTo, snapshot.asOfSeq);
      state.deliveredUpTo = Math.max(state.deliveredUpTo, snapshot.asOfSeq);
      return { kind: 'snapshot', stream: marker.stream, seq: snapshot.asOfSeq, bytes: snapshot.bytes, payload: snapshot.payload };
    }
    // No (recent enough) state for the stream: say what was folded away instead of losing it quietly.
    this.counters.snapshotFallbacks++;
    state.coveredUpTo = Math.max(state.coveredUpTo, marker.asOfSeq);
    return this.slowConsumerGap(state, marker.firstSeq, marker.asOfSeq);
  }

  private slowConsumerGap(state: StreamState<P>, first: number, last: number): OutboundItem<P> | undefined {
    const gap = this.trimGap(state, { stream: state.name, firstMissingSeq: first, lastMissingSeq: last, reason: 'slow_consumer' });
    if (!gap) return undefined;
    state.deliveredUpTo = Math.max(state.deliveredUpTo, gap.lastMissingSeq);
    this.counters.gapNotices++;
    return { kind: 'gap', stream: state.name, seq: gap.lastMissingSeq, bytes: this.gapNoticeBytes, payload: gap };
  }

  /** Never tells a client about seqs it already has; undefined when nothing is left to tell. */
  private trimGap(state: StreamState<P>, gap: GapNoticeInfo): GapNoticeInfo | undefined {
    if (gap.lastMissingSeq <= state.deliveredUpTo) return undefined;
    if (gap.firstMissingSeq > state.deliveredUpTo) return gap;
    return { ...gap, firstMissingSeq: state.deliveredUpTo + 1 };
  }

  private pushFrame(state: StreamState<P>, item: FrameItem<P>): void {
    const entry: FrameEntry<P> = { kind: 'frame', item };
    entry.main = this.entries.push(entry);
    entry.inStream = state.frames.push(entry);
    entry.inQueue = this.frames.push(entry);
    this.addBytes(item.bytes);
  }

  private addBytes(bytes: number): void {
    if (bytes > this.capBytes) this.counters.oversizedItems++;
    this.queuedBytes += bytes;
    this.queuedPayloads++;
    this.peakQueuedBytes = Math.max(this.peakQueuedBytes, this.queuedBytes);
  }

  private unlinkFrame(state: StreamState<P>, entry: FrameEntry<P>): void {
    if (entry.inStream) state.frames.remove(entry.inStream);
    if (entry.inQueue) this.frames.remove(entry.inQueue);
    this.unlinkPayload(entry, entry.item.bytes);
  }

  private unlinkHeld(state: StreamState<P>, entry: HeldEntry<P>): void {
    if (entry.inStream) state.held.remove(entry.inStream);
    this.unlinkPayload(entry, entry.item.bytes);
  }

  private unlinkPayload(entry: FrameEntry<P> | HeldEntry<P>, bytes: number): void {
    if (!entry.main?.list) return;
    this.entries.remove(entry.main);
    this.queuedBytes -= bytes;
    this.queuedPayloads--;
  }

  private close(reason: string): EnqueueOutcome {
    this.closing = { action: 'close', code: CloseCode.SlowConsumer, reason };
    this.counters.disconnects++;
    // Release every payload now: the connection is going away and must not pin shared frame buffers.
    this.entries.clear();
    this.frames.clear();
    this.streams.clear();
    this.queuedBytes = 0;
    this.queuedPayloads = 0;
    return this.closing;
  }

  private stateOf(stream: string): StreamState<P> {
    let state = this.streams.get(stream);
    if (!state) {
      state = {
        name: stream,
        policy: this.defaultPolicy,
        frames: new LinkedList(),
        held: new LinkedList(),
        gapMarker: undefined,
        snapshotMarker: undefined,
        coveredUpTo: 0,
        deliveredUpTo: 0,
      };
      this.streams.set(stream, state);
    }
    return state;
  }
}
