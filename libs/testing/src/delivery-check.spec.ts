import fc from 'fast-check';
import { checkDelivery, injectDefects, type DeliveredFrame, type ExpectedChange } from './delivery-check';

const keyOf = (record: Record<string, unknown>) => (typeof record['id'] === 'string' && typeof record['v'] === 'number' ? `${record['id']}@${record['v']}` : undefined);

/** A stream of `frames` frames of 1–4 records each, and the upstream history they deliver. */
function cleanView(sizes: readonly number[]): { expected: ExpectedChange[]; frames: DeliveredFrame[] } {
  const expected: ExpectedChange[] = [];
  let v = 0;
  const frames = sizes.map((size, i): DeliveredFrame => {
    const records = Array.from({ length: size }, (_, r) => ({ id: `e${r}`, v: ++v, temp: 20 + (v % 7) / 10 }));
    for (const record of records) expected.push({ stream: 's', key: keyOf(record) as string, json: JSON.stringify(record) });
    return { stream: 's', seq: i + 1, atMs: i * 100, records };
  });
  return { expected, frames };
}

const sorted = (report: { lost: string[]; duplicated: string[]; corrupted: string[]; seqGaps: string[]; seqRepeats: string[] }) => ({
  lost: [...report.lost].sort(),
  duplicated: [...report.duplicated].sort(),
  corrupted: [...report.corrupted].sort(),
  seqGaps: [...report.seqGaps].sort(),
  seqRepeats: [...report.seqRepeats].sort(),
});

describe('checkDelivery', () => {
  it('finds nothing wrong with a complete view, and names what a view lacks or repeats', () => {
    const { expected, frames } = cleanView([2, 3, 1, 2]);
    expect(sorted(checkDelivery('c', expected, frames, keyOf))).toEqual({ lost: [], duplicated: [], corrupted: [], seqGaps: [], seqRepeats: [] });
    const broken = [frames[0], frames[2], frames[2], { ...frames[3], records: [{ id: 'e0', v: 99 }, { nope: true }] }] as DeliveredFrame[];
    expect(sorted(checkDelivery('c', expected, broken, keyOf))).toEqual({
      lost: ['s:e0@3', 's:e0@7', 's:e1@4', 's:e1@8', 's:e2@5'],
      duplicated: ['s:e0@6'],
      corrupted: ['s:e0@99', 's:{"nope":true}'],
      seqGaps: ['s:2-2'],
      seqRepeats: ['s:3'],
    });
  });

  it('self-test: reports exactly the defects injected into any clean view (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 8, maxLength: 30 }), fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), (sizes, choices) => {
        const { expected, frames } = cleanView(sizes);
        let next = 0;
        const injected = injectDefects(frames, keyOf, (n) => (choices[next++ % choices.length] as number) % n);
        expect(sorted(checkDelivery('c', expected, injected.frames, keyOf))).toEqual(sorted(injected.expected));
        expect(injected.expected.lost.length).toBeGreaterThan(1);
        expect(injected.expected.duplicated.length).toBeGreaterThan(1);
        expect(injected.expected.corrupted).toHaveLength(1);
        expect(injected.expected.seqGaps).toHaveLength(1);
        expect(injected.expected.seqRepeats).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
