import { firstAbove } from './ring';

export interface PageRequest {
  /** First sequence number the page may serve, end of the retained range, and the oldest retained. */
  readonly start: number;
  readonly end: number;
  readonly first: number;
  readonly limit: number;
  /** Arrival time of a retained sequence number (non-decreasing). */
  readonly arrival: (seq: number) => number;
  /** Never end a page inside a run of records with equal arrival (field cursors cannot point inside one). */
  readonly keepGroups: boolean;
  /** The duplicate fault: which records are delivered again, `afterMs` after their arrival. */
  readonly duplicates?: { readonly pick: (seq: number) => boolean; readonly afterMs: number };
}

export interface PagePlan {
  /** Sequence numbers to serve, in order (a duplicate precedes the record it is re-delivered with). */
  readonly items: readonly number[];
  /** The page covers [start, stop) of the stream. */
  readonly stop: number;
}

/**
 * Which records a page serves: [start, stop) with at most `limit` items, where a picked duplicate of
 * record s is re-delivered just before the first record arriving at least `afterMs` after s (so a client
 * walking the stream gets it once more, in that page). A duplicate that does not fit in its page is not
 * re-delivered. With `keepGroups`, a page that would end inside a run of equal arrivals ends before the
 * run instead — or, when the run starts the page and alone exceeds `limit`, takes the whole run.
 */
export function planPage(request: PageRequest): PagePlan {
  const { start, end, first, limit, arrival, keepGroups, duplicates } = request;
  const items: number[] = [];
  /** items.length before each served record (and its duplicates), to trim a page back to a group boundary. */
  const itemsBefore: number[] = [];
  let source = duplicates && start > first ? firstAbove(first, end, arrival(start - 1) - duplicates.afterMs, arrival) : first;
  let seq = start;
  for (; seq < end && items.length < limit; seq++) {
    itemsBefore.push(items.length);
    if (duplicates) {
      const due = arrival(seq) - duplicates.afterMs;
      const room = limit - items.length - 1;
      let taken = 0;
      for (; source < seq && arrival(source) <= due; source++) {
        if (duplicates.pick(source) && taken < room) {
          items.push(source);
          taken++;
        }
      }
    }
    items.push(seq);
  }
  let stop = seq;
  if (keepGroups && stop < end && stop > start && arrival(stop) === arrival(stop - 1)) {
    const boundary = arrival(stop - 1);
    let groupStart = stop - 1;
    while (groupStart > start && arrival(groupStart - 1) === boundary) groupStart--;
    if (groupStart > start) {
      items.length = itemsBefore[groupStart - start] as number;
      stop = groupStart;
    } else {
      // One run larger than the limit: the page is that run alone (its duplicates are dropped).
      items.length = 0;
      for (stop = start; stop < end && arrival(stop) === boundary; stop++) items.push(stop);
    }
  }
  return { items, stop };
}
