import type { NormalizedStreamConfig } from './config';
import type { BufferedRecord, OffsetLedger } from './offset-ledger';
import { AllChangesBuffer, LatestVersionBuffer, type PartBuffer, type PartEntry } from './part-buffer';
import type { StreamResumeState } from './resume-state';
import type { EmittedWindow, FlushReason, WindowEvent, WindowingCounters } from './types';
import { WindowGeometry } from './window-geometry';

interface OpenWindow<T> {
  readonly startMs: number;
  readonly endMs: number;
  readonly buffer: PartBuffer<T>;
  /** Offset of the last arrival: once a part is cut, everything up to it has been emitted. */
  lastOffset: bigint | undefined;
}

/** Where an arriving event goes. */
type Routing = { readonly kind: 'windows'; readonly startsMs: readonly number[] } | { readonly kind: 'late' } | { readonly kind: 'skip' };

/** The committed state a restored stream classifies re-read records with (see resume-state.ts). */
interface ReplayView {
  readonly openFromMs: number;
  readonly openedAtOffset: bigint | undefined;
  readonly emittedThroughOffset: bigint | undefined;
}

/**
 * The windows of one stream on one source partition.
 *
 * Central invariant — emission order: parts are emitted in strictly increasing (windowStart, part)
 * order, which the compressor's frame sequencer relies on to recognise re-deliveries. Hence:
 * - windows close oldest first, and `openFromMs` (the start of the oldest window that may still take
 *   events) only moves forward; every window before it is closed and fully emitted;
 * - only the window at openFromMs may have emitted parts: a window that must emit a part (cap reached)
 *   first closes every older window ('order' reason);
 * - an event whose windows are all before openFromMs is late: it goes, flagged, into the window at
 *   openFromMs — the oldest one still open — never silently dropped.
 */
export class StreamWindower<T> {
  private readonly geometry: WindowGeometry;
  /** Open windows sorted by start; usually one or two, so inserts in the middle are cheap and rare. */
  private readonly windows: OpenWindow<T>[] = [];
  private readonly windowsByStart = new Map<number, OpenWindow<T>>();
  private openFromMs = Number.NEGATIVE_INFINITY;
  private openedAtOffset: bigint | undefined;
  private nextPart = 0;
  private emittedThroughOffset: bigint | undefined;
  private maxEventTimeMs: number | undefined;
  private lastArrivalAtMs: number | undefined;
  private readonly replay: ReplayView | undefined;

  constructor(
    private readonly config: NormalizedStreamConfig,
    private readonly partition: number,
    private readonly ledger: OffsetLedger,
    private readonly counters: WindowingCounters,
    resume?: StreamResumeState,
  ) {
    this.geometry = new WindowGeometry(config.windowMs, config.hopMs);
    if (resume) {
      this.maxEventTimeMs = resume.maxEventTimeMs;
      this.lastArrivalAtMs = resume.lastArrivalAtMs;
      this.openedAtOffset = resume.openedAtOffset;
      if (resume.openFromMs !== undefined) {
        // A changed window geometry may leave the bound off the new grid: round it up to a window start
        // (that window never emitted a part under the new geometry, so parts restart at 0).
        this.openFromMs = this.geometry.alignUp(resume.openFromMs);
        if (this.openFromMs === resume.openFromMs) {
          this.nextPart = resume.nextPart;
          this.emittedThroughOffset = resume.emittedThroughOffset;
        }
      }
      this.replay = { openFromMs: resume.openFromMs ?? Number.NEGATIVE_INFINITY, openedAtOffset: resume.openedAtOffset, emittedThroughOffset: resume.emittedThroughOffset };
    }
  }

  /**
   * Windows one event. `previousOffset` is the partition's last consumed offset before this record;
   * `replaying` says the record was consumed before the restore this stream was created from.
   */
  admit(event: WindowEvent<T>, record: BufferedRecord, offset: bigint, previousOffset: bigint | undefined, nowMs: number, replaying: boolean, out: EmittedWindow<T>[]): void {
    this.counters.receivedEvents += 1;
    this.lastArrivalAtMs = nowMs;
    if (this.maxEventTimeMs === undefined || event.eventTimeMs > this.maxEventTimeMs) {
      this.maxEventTimeMs = event.eventTimeMs;
      // Windows the watermark has passed close before this event is routed: it cannot belong to them.
      const watermark = event.eventTimeMs - this.config.allowedLatenessMs;
      this.closeBefore(this.geometry.firstStartEndingAfter(watermark), 'watermark', previousOffset, out);
    }
    const routing = replaying && this.replay ? this.routeReplayed(event.eventTimeMs, offset) : this.routeLive(event.eventTimeMs);
    if (routing.kind === 'skip') {
      this.counters.replaySkippedEvents += 1;
      return;
    }
    const late = routing.kind === 'late';
    const entry: PartEntry<T> = { entityId: event.entityId, version: event.version, sizeBytes: event.sizeBytes, payload: event.payload, late, record };
    if (late) {
      this.counters.lateEvents += 1;
      this.join(this.openFromMs, entry, offset, out);
      return;
    }
    for (const startMs of routing.startsMs) this.join(startMs, entry, offset, out);
  }

  /**
   * Processing-time flush. The stream's event clock is extrapolated at wall-clock speed from its last
   * arrival (maxEventTime + (now − lastArrival)); a window is flushed once that passes
   * end + allowedLateness + idleFlushMs. For a real-time stream this is `now ≥ end + lateness + idle`;
   * while events keep arriving it never fires before the watermark would, so a backlog being re-read
   * is not chopped into early windows; and an idle stream (also one paused by backpressure) flushes at
   * most windowMs + lateness + idle after its last event, whatever the skew between the clocks.
   */
  tick(nowMs: number, out: EmittedWindow<T>[]): void {
    if (this.maxEventTimeMs === undefined || this.lastArrivalAtMs === undefined) return;
    const extrapolatedWatermark = this.maxEventTimeMs + (nowMs - this.lastArrivalAtMs) - this.config.idleFlushMs - this.config.allowedLatenessMs;
    const sinceOffset = this.ledger.lastSeen();
    while (this.windows.length > 0 && (this.windows[0] as OpenWindow<T>).endMs <= extrapolatedWatermark) this.closeOldest('idle', sinceOffset, out);
  }

  /** Closes every open window (end of input); later events of their time range will be late. */
  flush(out: EmittedWindow<T>[]): void {
    const sinceOffset = this.ledger.lastSeen();
    while (this.windows.length > 0) this.closeOldest('flush', sinceOffset, out);
  }

  resumeState(): StreamResumeState {
    return {
      openFromMs: Number.isFinite(this.openFromMs) ? this.openFromMs : undefined,
      openedAtOffset: this.openedAtOffset,
      nextPart: this.nextPart,
      emittedThroughOffset: this.emittedThroughOffset,
      maxEventTimeMs: this.maxEventTimeMs,
      lastArrivalAtMs: this.lastArrivalAtMs,
    };
  }

  private routeLive(eventTimeMs: number): Routing {
    const startsMs = this.geometry.coveringStarts(eventTimeMs).filter((startMs) => startMs >= this.openFromMs);
    return startsMs.length > 0 ? { kind: 'windows', startsMs } : { kind: 'late' };
  }

  /**
   * A record consumed before the restart: put it only where the committed windows do not already carry
   * it. Its windows after the committed openFrom never emitted; the window at openFrom emitted its
   * arrivals up to emittedThroughOffset; older windows are fully emitted. A record that was late
   * went into the window at openFrom only if it arrived after openFrom took its value.
   */
  private routeReplayed(eventTimeMs: number, offset: bigint): Routing {
    const view = this.replay as ReplayView;
    const notYetEmitted = (startMs: number): boolean => startMs > view.openFromMs || (startMs === view.openFromMs && isAfter(offset, view.emittedThroughOffset));
    const covering = this.geometry.coveringStarts(eventTimeMs);
    const owed = covering.filter(notYetEmitted);
    if (owed.length > 0) {
      const stillOpen = owed.filter((startMs) => startMs >= this.openFromMs);
      return stillOpen.length > 0 ? { kind: 'windows', startsMs: stillOpen } : { kind: 'late' };
    }
    const newestCovering = covering[covering.length - 1] as number;
    const wasLateIntoOpenWindow = newestCovering < view.openFromMs && isAfter(offset, view.openedAtOffset) && isAfter(offset, view.emittedThroughOffset);
    return wasLateIntoOpenWindow ? { kind: 'late' } : { kind: 'skip' };
  }

  private join(startMs: number, entry: PartEntry<T>, offset: bigint, out: EmittedWindow<T>[]): void {
    let window = this.windowAt(startMs);
    const caps = this.config;
    // Cut before the event that would overflow, so no part ever exceeds maxBytes; an event larger than
    // maxBytes on its own still has to go somewhere: into an empty part, emitted alone right after.
    if (!window.buffer.isEmpty() && window.buffer.wouldOverflowBytes(entry, caps)) {
      this.emitOpenPart(window, 'maxBytes', offset, out);
      window = this.windowAt(startMs);
    }
    this.ledger.retain(entry.record);
    if (window.buffer.add(entry) === 'coalesced') this.counters.coalescedEvents += 1;
    window.lastOffset = offset;
    const full = window.buffer.fullness(caps);
    if (full !== undefined) this.emitOpenPart(window, full, offset, out);
  }

  /**
   * Emits what a window holds while keeping its time range open (openFrom stays at its start, so the
   * next events of that range form its next part); older windows must close first (order).
   *
   * The emptied window object is dropped: open windows are exactly the ones holding events, which is
   * what a restart rebuilds from the re-read records, so both behave the same afterwards.
   */
  private emitOpenPart(window: OpenWindow<T>, reason: FlushReason, offset: bigint, out: EmittedWindow<T>[]): void {
    this.closeBefore(window.startMs, 'order', offset, out);
    this.emit(window, reason, out);
    this.windows.shift(); // closeBefore left it the oldest
    this.windowsByStart.delete(window.startMs);
  }

  /** Closes every window starting before `boundMs` and moves openFrom up to it. */
  private closeBefore(boundMs: number, reason: FlushReason, sinceOffset: bigint | undefined, out: EmittedWindow<T>[]): void {
    while (this.windows.length > 0 && (this.windows[0] as OpenWindow<T>).startMs < boundMs) this.closeOldest(reason, sinceOffset, out);
    this.advanceOpenFrom(boundMs, sinceOffset);
  }

  private closeOldest(reason: FlushReason, sinceOffset: bigint | undefined, out: EmittedWindow<T>[]): void {
    const window = this.windows.shift() as OpenWindow<T>;
    this.windowsByStart.delete(window.startMs);
    if (reason === 'order') this.counters.orderClosures += 1;
    this.advanceOpenFrom(window.startMs, sinceOffset);
    this.emit(window, reason, out);
    this.advanceOpenFrom(window.startMs + this.geometry.hopMs, sinceOffset);
  }

  private advanceOpenFrom(toMs: number, sinceOffset: bigint | undefined): void {
    if (toMs <= this.openFromMs) return;
    this.openFromMs = toMs;
    this.openedAtOffset = sinceOffset;
    this.nextPart = 0;
    this.emittedThroughOffset = undefined;
  }

  private emit(window: OpenWindow<T>, reason: FlushReason, out: EmittedWindow<T>[]): void {
    if (window.buffer.isEmpty()) return;
    const part = this.nextPart;
    this.nextPart += 1;
    this.emittedThroughOffset = window.lastOffset;
    const drained = window.buffer.drain();
    for (const member of drained.members) this.ledger.release(member);
    const { stream, mode } = this.config;
    out.push({
      windowId: `${stream}/${window.startMs}/${this.partition}/${part}`,
      stream,
      windowStartMs: window.startMs,
      windowEndMs: window.endMs,
      partition: this.partition,
      part,
      mode,
      events: drained.events,
      late: drained.late,
      lateCount: drained.lateCount,
      coalescedCount: drained.coalescedCount,
      sizeBytes: drained.sizeBytes,
      reason,
    });
    this.counters.emittedParts += 1;
    this.counters.emittedEvents += drained.events.length;
    if (reason === 'maxEvents' || reason === 'maxBytes') this.counters.splitParts += 1;
    if (reason === 'idle') this.counters.idleFlushes += 1;
  }

  private windowAt(startMs: number): OpenWindow<T> {
    const existing = this.windowsByStart.get(startMs);
    if (existing) return existing;
    const window: OpenWindow<T> = {
      startMs,
      endMs: startMs + this.geometry.sizeMs,
      buffer: this.config.mode === 'latest' ? new LatestVersionBuffer<T>() : new AllChangesBuffer<T>(),
      lastOffset: undefined,
    };
    this.windowsByStart.set(startMs, window);
    // New windows are nearly always the newest; otherwise binary-search the slot (no re-sorting).
    let low = 0;
    let high = this.windows.length;
    if (high > 0 && (this.windows[high - 1] as OpenWindow<T>).startMs < startMs) low = high;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.windows[mid] as OpenWindow<T>).startMs < startMs) low = mid + 1;
      else high = mid;
    }
    this.windows.splice(low, 0, window);
    return window;
  }
}

/** `offset > bound`, where an undefined bound means "before everything". */
function isAfter(offset: bigint, bound: bigint | undefined): boolean {
  return bound === undefined || offset > bound;
}
