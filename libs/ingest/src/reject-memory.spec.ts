import type { RejectedInput, RejectSink } from './ports';
import { DedupingRejectSink, MemoryRejectMemory, rejectFingerprint } from './reject-memory';

class Collecting implements RejectSink {
  readonly written: RejectedInput[] = [];
  async reject(rejects: readonly RejectedInput[]): Promise<void> {
    this.written.push(...rejects);
  }
}

const bad = (id: string, kind: RejectedInput['kind'] = 'missing_version', sourceId = 'src'): RejectedInput => ({ sourceId, kind, reason: `record ${id} has no version`, original: { id } });

function setup(horizonMs = 60_000) {
  let now = 0;
  const inner = new Collecting();
  const suppressed: [string, number][] = [];
  const sink = new DedupingRejectSink(inner, new MemoryRejectMemory(horizonMs, () => now), (source, count) => suppressed.push([source, count]));
  return { inner, sink, suppressed, advance: (ms: number) => (now += ms) };
}

describe('DedupingRejectSink', () => {
  it('dead-letters the same refused record once per horizon, however often it is refused', async () => {
    const { inner, sink, suppressed, advance } = setup();
    for (let poll = 0; poll < 50; poll++) await sink.reject([bad('a'), bad('b')]);
    expect(inner.written.map((r) => (r.original as { id: string }).id)).toEqual(['a', 'b']);
    expect(suppressed.reduce((sum, [, n]) => sum + n, 0)).toBe(98);
    advance(60_001);
    await sink.reject([bad('a')]);
    expect(inner.written).toHaveLength(3);
  });

  it('counts a record again when it is refused for another reason, or by another source', async () => {
    const { inner, sink } = setup();
    await sink.reject([bad('a'), bad('a', 'wrong_type'), bad('a', 'missing_version', 'other')]);
    expect(inner.written).toHaveLength(3);
  });

  it('writes identical inputs of one call once (a webhook body repeating a bad element)', async () => {
    const { inner, sink, suppressed } = setup();
    await sink.reject(Array.from({ length: 1000 }, () => bad('same')));
    expect(inner.written).toHaveLength(1);
    expect(suppressed).toEqual([['src', 999]]);
  });

  it('dead-letters everything when the memory cannot answer (a repeat is cheaper than a loss)', async () => {
    const inner = new Collecting();
    const errors: unknown[] = [];
    const sink = new DedupingRejectSink(inner, { firstSeen: async () => Promise.reject(new Error('redis down')) }, () => undefined, (e) => errors.push(e));
    await sink.reject([bad('a'), bad('b')]);
    expect(inner.written).toHaveLength(2);
    expect(errors).toHaveLength(1);
  });

  it('fingerprints by kind and content: raw bytes and JSON values alike', () => {
    expect(rejectFingerprint(bad('a'))).toBe(rejectFingerprint({ ...bad('a'), reason: 'worded differently' }));
    expect(rejectFingerprint(bad('a'))).not.toBe(rejectFingerprint(bad('b')));
    const bytes = { sourceId: 's', kind: 'malformed_json' as const, reason: '', original: new Uint8Array([1, 2]) };
    expect(rejectFingerprint(bytes)).toBe(rejectFingerprint({ ...bytes, original: new Uint8Array([1, 2]) }));
    expect(rejectFingerprint(bytes)).not.toBe(rejectFingerprint({ ...bytes, original: new Uint8Array([1, 3]) }));
  });
});
