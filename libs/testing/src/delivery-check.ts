// The chaos suite's judge (tools/chaos): what one client received against the upstream's full history.
// Pure, so it is tested on its own and its self-test (inject known defects, expect exactly them) runs on
// every chaos run's real data too.

/** One change the upstream made: its identity (`entity@version`) and its record's JSON text. */
export interface ExpectedChange {
  readonly stream: string;
  readonly key: string;
  readonly json: string;
}

/** One frame as a client received it, its records decoded. */
export interface DeliveredFrame {
  readonly stream: string;
  readonly seq: number;
  /** When it arrived (ms), for the time from a fault to the next frame. */
  readonly atMs: number;
  readonly records: readonly Record<string, unknown>[];
}

export interface DeliveryReport {
  readonly client: string;
  readonly frames: number;
  readonly records: number;
  /** Changes never delivered. */
  readonly lost: string[];
  /** Changes delivered more than once (each key once per extra delivery). */
  readonly duplicated: string[];
  /** Changes delivered with a record that differs from the upstream's. */
  readonly corrupted: string[];
  /** Seqs missing between the first and last frame of a stream: `stream:from-to`. */
  readonly seqGaps: string[];
  /** Seqs delivered again, or out of order: `stream:seq`. */
  readonly seqRepeats: string[];
}

/**
 * Compares `frames` with `expected`. `keyOf` gives a delivered record's identity in the form of
 * ExpectedChange.key, or undefined when it has none (counted as corrupted). A client may start late: seqs
 * are checked from its first frame of each stream on, records against every expected change of its streams.
 */
export function checkDelivery(client: string, expected: readonly ExpectedChange[], frames: readonly DeliveredFrame[], keyOf: (record: Record<string, unknown>) => string | undefined): DeliveryReport {
  const wanted = new Map(expected.map((change) => [`${change.stream}\u0000${change.key}`, change]));
  const seen = new Map<string, number>();
  const duplicated: string[] = [];
  const corrupted: string[] = [];
  const seqGaps: string[] = [];
  const seqRepeats: string[] = [];
  const lastSeq = new Map<string, number>();
  let records = 0;
  for (const frame of frames) {
    const last = lastSeq.get(frame.stream);
    if (last !== undefined && frame.seq <= last) seqRepeats.push(`${frame.stream}:${frame.seq}`);
    else {
      if (last !== undefined && frame.seq > last + 1) seqGaps.push(`${frame.stream}:${last + 1}-${frame.seq - 1}`);
      lastSeq.set(frame.stream, frame.seq);
    }
    for (const record of frame.records) {
      records++;
      const key = keyOf(record);
      const id = `${frame.stream}\u0000${key ?? ''}`;
      const change = key === undefined ? undefined : wanted.get(id);
      if (change === undefined) {
        corrupted.push(`${frame.stream}:${key ?? JSON.stringify(record).slice(0, 80)}`);
        continue;
      }
      const times = (seen.get(id) ?? 0) + 1;
      seen.set(id, times);
      if (times > 1) duplicated.push(`${frame.stream}:${change.key}`);
      if (JSON.stringify(record) !== change.json) corrupted.push(`${frame.stream}:${change.key}`);
    }
  }
  const streams = new Set(frames.map((f) => f.stream));
  const lost = expected.filter((change) => streams.has(change.stream) && !seen.has(`${change.stream}\u0000${change.key}`)).map((change) => `${change.stream}:${change.key}`);
  return { client, frames: frames.length, records, lost, duplicated, corrupted, seqGaps, seqRepeats };
}

export interface InjectedDefects {
  readonly frames: DeliveredFrame[];
  /** What checkDelivery must report for `frames`, exactly (on a view that had no defects before). */
  readonly expected: Pick<DeliveryReport, 'lost' | 'duplicated' | 'corrupted' | 'seqGaps' | 'seqRepeats'>;
}

/**
 * The self-test: a copy of a clean view with one defect of each kind, each in frames of its own —
 * a record dropped (lost), a record delivered again in a later frame (duplicated), a record altered
 * (corrupted), a whole frame dropped (a seq gap, its records lost) and a frame delivered twice (a seq
 * repeat, its records duplicated). `pick(n)` chooses an index below n (seeded by the caller). Needs a
 * stream with at least 6 frames of which the first 5 hold a record.
 */
export function injectDefects(frames: readonly DeliveredFrame[], keyOf: (record: Record<string, unknown>) => string | undefined, pick: (n: number) => number): InjectedDefects {
  const stream = frames[0]?.stream;
  const own = frames.map((frame, index) => ({ frame, index })).filter(({ frame }) => frame.stream === stream && frame.records.length > 0);
  if (stream === undefined || own.length < 6) throw new Error('injectDefects needs a stream with at least 6 frames that hold records');
  // Five different frames, none the stream's first or last (a dropped last frame is no gap: nothing follows it).
  const inner = own.slice(1, -1);
  const chosen: number[] = [];
  while (chosen.length < Math.min(5, inner.length)) {
    const candidate = inner[pick(inner.length)]?.index as number;
    if (!chosen.includes(candidate)) chosen.push(candidate);
  }
  if (chosen.length < 5) throw new Error('injectDefects needs 7 frames that hold records');
  const [dropRecord, repeatRecord, corruptRecord, dropFrame, repeatFrame] = chosen as [number, number, number, number, number];
  const key = (record: Record<string, unknown>) => `${stream}:${keyOf(record) ?? ''}`;
  const out: DeliveredFrame[] = [];
  const expected = { lost: [] as string[], duplicated: [] as string[], corrupted: [] as string[], seqGaps: [] as string[], seqRepeats: [] as string[] };
  let repeated: Record<string, unknown> | undefined;
  frames.forEach((frame, index) => {
    if (index === dropFrame) {
      expected.seqGaps.push(`${stream}:${frame.seq}-${frame.seq}`);
      for (const record of frame.records) expected.lost.push(key(record));
      return;
    }
    let records = [...frame.records];
    if (index === dropRecord) {
      const [gone] = records.splice(pick(records.length), 1);
      if (gone) expected.lost.push(key(gone));
    }
    if (index === repeatRecord) repeated = records[pick(records.length)];
    if (index === corruptRecord) {
      const at = pick(records.length);
      const original = records[at] as Record<string, unknown>;
      records[at] = { ...original, chaos: 'corrupted' };
      expected.corrupted.push(key(original));
    }
    if (repeated !== undefined && index > repeatRecord && frame.stream === stream && index !== dropRecord && index !== corruptRecord) {
      records = [...records, repeated];
      expected.duplicated.push(key(repeated));
      repeated = undefined;
    }
    out.push({ ...frame, records });
    if (index === repeatFrame) {
      out.push(frame);
      expected.seqRepeats.push(`${stream}:${frame.seq}`);
      for (const record of frame.records) expected.duplicated.push(key(record));
    }
  });
  return { frames: out, expected };
}
