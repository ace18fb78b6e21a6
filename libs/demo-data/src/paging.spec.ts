import fc from 'fast-check';
import { planPage } from './paging';

/** Walks a stream of arrivals page by page the way a client does (from each page's stop). */
function walkAll(arrivals: readonly number[], limit: number, keepGroups: boolean, pick?: (seq: number) => boolean, afterMs = 5) {
  const at = (seq: number) => arrivals[seq] as number;
  const pages: number[][] = [];
  let start = 0;
  while (start < arrivals.length) {
    const plan = planPage({ start, end: arrivals.length, first: 0, limit, arrival: at, keepGroups, duplicates: pick && { pick, afterMs } });
    expect(plan.stop).toBeGreaterThan(start);
    pages.push([...plan.items]);
    start = plan.stop;
  }
  return pages;
}

const sortedArrivals = fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 80 }).map((a) => [...a].sort((x, y) => x - y));

describe('planPage', () => {
  it('serves every record once, in order, within the limit unless one arrival group alone exceeds it', () => {
    fc.assert(
      fc.property(sortedArrivals, fc.integer({ min: 1, max: 12 }), fc.boolean(), (arrivals, limit, keepGroups) => {
        const pages = walkAll(arrivals, limit, keepGroups);
        expect(pages.flat()).toEqual(arrivals.map((_, i) => i));
        for (const page of pages) {
          if (page.length > limit) {
            expect(keepGroups).toBe(true);
            expect(new Set(page.map((seq) => arrivals[seq])).size).toBe(1);
          }
        }
        if (keepGroups) {
          for (let p = 1; p < pages.length; p++) {
            const previous = pages[p - 1] as number[];
            const last = previous[previous.length - 1] as number;
            expect(arrivals[last]).not.toBe(arrivals[(pages[p] as number[])[0] as number]);
          }
        }
      }),
    );
  });

  it('re-delivers picked records at most once, after afterMs, before the record they ride with', () => {
    fc.assert(
      fc.property(sortedArrivals, fc.integer({ min: 1, max: 12 }), fc.func(fc.boolean()), (arrivals, limit, pickFn) => {
        const pick = (seq: number) => pickFn(seq);
        const pages = walkAll(arrivals, limit, true, pick, 5);
        const items = pages.flat();
        const anchors = items.filter((seq, i) => items.indexOf(seq) === i);
        expect(anchors).toEqual(arrivals.map((_, i) => i));
        const counts = new Map<number, number>();
        items.forEach((seq, i) => {
          const count = (counts.get(seq) ?? 0) + 1;
          counts.set(seq, count);
          expect(count).toBeLessThanOrEqual(2);
          if (count === 2) {
            expect(pick(seq)).toBe(true);
            // The record it rides with: the next item served for the first time.
            const rider = items.find((other, j) => j > i && items.indexOf(other) === j) as number;
            expect((arrivals[rider] as number) - (arrivals[seq] as number)).toBeGreaterThanOrEqual(5);
          }
        });
        for (const page of pages) if (new Set(page.map((s) => arrivals[s])).size > 1) expect(page.length).toBeLessThanOrEqual(limit);
      }),
    );
  });
});
