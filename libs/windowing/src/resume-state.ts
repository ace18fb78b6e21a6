import { parsePositionText, positionText } from './record-position';

/**
 * The state committed with a partition's consumer offset (offset metadata, same Kafka transaction as the
 * windows), so that after a restart or rebalance the re-read records between the committed offset and
 * the last consumed one are neither emitted twice nor lost.
 *
 * Why it is needed: the committed offset is the smallest offset still buffered, so the records after it
 * are a mix of "still buffered" (must be windowed again) and "already emitted in a committed window"
 * (must be skipped). Without this state a restarted windower would put the second kind into windows
 * again — as duplicates, or, worse, into a window id the compressor already framed, which it drops as a
 * re-delivery together with the events that were genuinely new in it.
 *
 * Per stream it records where the stream's open windows begin (`openFromMs`: every window before it is
 * closed and fully emitted; only the window at openFromMs may have emitted parts, and those parts hold
 * exactly its arrivals up to `emittedThroughOffset`), and the offset up to which records had been
 * consumed when openFromMs took its value (`openedAtOffset`: a late record after it went into the window
 * at openFromMs, a late record before it into an older window, now emitted).
 */
export interface StreamResumeState {
  /** Start of the oldest window that can still take events; undefined while no window has closed. */
  readonly openFromMs: number | undefined;
  /** Changes at positions ≤ this (record-position.ts) were consumed before openFromMs took its value. */
  readonly openedAtOffset: bigint | undefined;
  /** Parts already emitted of the window at openFromMs. */
  readonly nextPart: number;
  /** Arrivals of the window at openFromMs up to this position are in its emitted parts. */
  readonly emittedThroughOffset: bigint | undefined;
  readonly maxEventTimeMs: number | undefined;
  /** Processing time of the stream's last arrival (drives the idle flush). */
  readonly lastArrivalAtMs: number | undefined;
}

export interface PartitionResumeState {
  /** The consumer offset committed together with this state: consumption resumes at this record. */
  readonly committedOffset: bigint;
  /** Changes up to this position had been consumed; re-read ones are classified with the stream states. */
  readonly consumedThroughOffset: bigint | undefined;
  readonly streams: ReadonlyMap<string, StreamResumeState>;
}

export class WindowingStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowingStateError';
  }
}

/**
 * 2: positions are "offset" or "offset.index" (records may carry several changes). 1 (still read): plain
 * offsets, one change per record — the same positions with index 0.
 */
const STATE_VERSION = 2;
const VERSION_1 = 1;

type NullableNumber = number | null;
type NullableOffset = string | null;
/** Compact positional form: the broker caps metadata at offset.metadata.max.bytes (4096 by default). */
type StreamTuple = [openFromMs: NullableNumber, openedAtOffset: NullableOffset, nextPart: number, emittedThroughOffset: NullableOffset, maxEventTimeMs: NullableNumber, lastArrivalAtMs: NullableNumber];

interface StateJson {
  v: number;
  c: string;
  l: NullableOffset;
  s: Record<string, StreamTuple>;
}

export function serializeResumeState(state: PartitionResumeState): string {
  // fromEntries defines own properties, so even a stream named "__proto__" survives the round trip.
  const s: Record<string, StreamTuple> = Object.fromEntries(
    [...state.streams].map(([stream, st]): [string, StreamTuple] => [
      stream,
      [st.openFromMs ?? null, offsetText(st.openedAtOffset), st.nextPart, offsetText(st.emittedThroughOffset), st.maxEventTimeMs ?? null, st.lastArrivalAtMs ?? null],
    ]),
  );
  const json: StateJson = { v: STATE_VERSION, c: state.committedOffset.toString(), l: offsetText(state.consumedThroughOffset), s };
  return JSON.stringify(json);
}

/**
 * Reads committed resume state; undefined for absent or empty metadata (a partition never windowed).
 * Refuses anything else it cannot trust rather than guessing (a wrong guess duplicates or loses events).
 */
export function parseResumeState(text: string | null | undefined): PartitionResumeState | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WindowingStateError('committed windowing state is not JSON; refusing to guess what was emitted (fix or reset the consumer group offsets)');
  }
  if (!isStateJson(parsed)) throw new WindowingStateError(`committed windowing state has an unknown shape (expected version ${STATE_VERSION} or ${VERSION_1})`);
  const streams = new Map<string, StreamResumeState>();
  for (const [stream, [openFromMs, openedAtOffset, nextPart, emittedThroughOffset, maxEventTimeMs, lastArrivalAtMs]] of Object.entries(parsed.s)) {
    streams.set(stream, {
      openFromMs: openFromMs ?? undefined,
      openedAtOffset: offsetValue(openedAtOffset),
      nextPart,
      emittedThroughOffset: offsetValue(emittedThroughOffset),
      maxEventTimeMs: maxEventTimeMs ?? undefined,
      lastArrivalAtMs: lastArrivalAtMs ?? undefined,
    });
  }
  return { committedOffset: BigInt(parsed.c), consumedThroughOffset: offsetValue(parsed.l), streams };
}

function offsetText(position: bigint | undefined): NullableOffset {
  return position === undefined ? null : positionText(position);
}

function offsetValue(text: NullableOffset): bigint | undefined {
  return text === null ? undefined : (parsePositionText(text) as bigint);
}

const OFFSET = /^\d+$/;

function isNullableNumber(value: unknown): value is NullableNumber {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

function isNullableOffset(value: unknown, version: number): value is NullableOffset {
  if (value === null) return true;
  if (typeof value !== 'string') return false;
  return version === VERSION_1 ? OFFSET.test(value) : parsePositionText(value) !== undefined;
}

function isStreamTuple(value: unknown, version: number): value is StreamTuple {
  if (!Array.isArray(value) || value.length !== 6) return false;
  const [openFromMs, openedAtOffset, nextPart, emittedThroughOffset, maxEventTimeMs, lastArrivalAtMs] = value as unknown[];
  return (
    isNullableNumber(openFromMs) &&
    isNullableOffset(openedAtOffset, version) &&
    Number.isSafeInteger(nextPart) &&
    (nextPart as number) >= 0 &&
    isNullableOffset(emittedThroughOffset, version) &&
    isNullableNumber(maxEventTimeMs) &&
    isNullableNumber(lastArrivalAtMs)
  );
}

function isStateJson(value: unknown): value is StateJson {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<StateJson>;
  const version = candidate.v;
  return (
    (version === STATE_VERSION || version === VERSION_1) &&
    typeof candidate.c === 'string' &&
    OFFSET.test(candidate.c) &&
    isNullableOffset(candidate.l, version) &&
    typeof candidate.s === 'object' &&
    candidate.s !== null &&
    Object.values(candidate.s).every((tuple) => isStreamTuple(tuple, version))
  );
}
