/**
 * Where a window batch sits in its source partition's order. The windower emits the windows of one
 * (stream, events partition) in increasing (windowStart, part) order, so anything at or before the last
 * position seen for that pair is a re-delivery.
 */
export interface WindowPosition {
  readonly stream: string;
  readonly sourcePartition: number;
  readonly windowStartMs: number;
  readonly part: number;
}

interface StreamState {
  seq: bigint;
  /** Last (windowStartMs, part) per source partition. */
  readonly last: Map<number, readonly [number, number]>;
}

export type SequenceDecision = { readonly kind: 'assign'; readonly seq: bigint } | { readonly kind: 'duplicate'; readonly lastSeq: bigint };

const STATE_VERSION = 1;

/**
 * Assigns the next seq of a stream to each new window batch, and refuses batches already framed. Pure
 * state: the caller persists `serialize()` atomically with the frames it produced (consumer offset metadata
 * in the compressor's transaction) and restores it with `FrameSequencer.restore` after any restart.
 */
export class FrameSequencer {
  private constructor(private readonly streams: Map<string, StreamState>) {}

  static empty(): FrameSequencer {
    return new FrameSequencer(new Map());
  }

  /** Restores committed state; undefined or empty text means a partition never framed before. */
  static restore(text: string | undefined | null): FrameSequencer {
    if (text === undefined || text === null || text === '') return FrameSequencer.empty();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error('committed frame state is not JSON; refusing to guess the seq (fix or reset the consumer group offsets)');
    }
    if (!isStateJson(parsed)) throw new Error(`committed frame state has an unknown shape (expected version ${STATE_VERSION})`);
    const streams = new Map<string, StreamState>();
    for (const [stream, entry] of Object.entries(parsed.s)) {
      streams.set(stream, { seq: BigInt(entry.q), last: new Map(Object.entries(entry.w).map(([p, pos]) => [Number(p), [pos[0], pos[1]] as const])) });
    }
    return new FrameSequencer(streams);
  }

  /** Decides the seq of a window batch (and records it) or reports a re-delivery. */
  next(position: WindowPosition): SequenceDecision {
    let state = this.streams.get(position.stream);
    if (!state) {
      state = { seq: 0n, last: new Map() };
      this.streams.set(position.stream, state);
    }
    const last = state.last.get(position.sourcePartition);
    if (last && (position.windowStartMs < last[0] || (position.windowStartMs === last[0] && position.part <= last[1]))) {
      return { kind: 'duplicate', lastSeq: state.seq };
    }
    state.seq += 1n;
    state.last.set(position.sourcePartition, [position.windowStartMs, position.part]);
    return { kind: 'assign', seq: state.seq };
  }

  lastSeq(stream: string): bigint {
    return this.streams.get(stream)?.seq ?? 0n;
  }

  serialize(): string {
    const s: StateJson['s'] = {};
    for (const [stream, state] of this.streams) {
      s[stream] = { q: state.seq.toString(), w: Object.fromEntries([...state.last].map(([p, pos]) => [String(p), [pos[0], pos[1]]])) };
    }
    return JSON.stringify({ v: STATE_VERSION, s });
  }

  clone(): FrameSequencer {
    return FrameSequencer.restore(this.serialize());
  }
}

interface StateJson {
  v: number;
  s: Record<string, { q: string; w: Record<string, [number, number]> }>;
}

function isStateJson(value: unknown): value is StateJson {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<StateJson>;
  if (candidate.v !== STATE_VERSION || typeof candidate.s !== 'object' || candidate.s === null) return false;
  return Object.values(candidate.s).every(
    (entry) =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.q === 'string' &&
      /^\d+$/.test(entry.q) &&
      typeof entry.w === 'object' &&
      entry.w !== null &&
      Object.values(entry.w).every((pos) => Array.isArray(pos) && pos.length === 2 && pos.every((n) => Number.isFinite(n))),
  );
}

/** Parses the window id the windower assigns: "<stream>/<windowStartMs>/<partition>/<part>". */
export function parseWindowId(windowId: string): WindowPosition | undefined {
  const match = /^(.+)\/(-?\d+)\/(\d+)\/(\d+)$/.exec(windowId);
  if (!match) return undefined;
  const [, stream, start, partition, part] = match;
  return { stream: stream as string, windowStartMs: Number(start), sourcePartition: Number(partition), part: Number(part) };
}
