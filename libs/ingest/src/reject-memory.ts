import { createHash } from 'node:crypto';
import type { RejectedInput, RejectSink } from './ports';

/**
 * Port: remembers which refused inputs were dead-lettered, for a horizon (Redis in production, shared by
 * the replicas). `firstSeen` answers, per fingerprint, whether this is the first time within the horizon —
 * and remembers it, in the same step.
 */
export interface RejectMemory {
  firstSeen(sourceId: string, fingerprints: readonly string[]): Promise<boolean[]>;
}

/** The identity of a refused input: why (its kind) and what (its bytes, or its JSON). */
export function rejectFingerprint(reject: RejectedInput): string {
  const hash = createHash('sha256').update(reject.kind).update('\u0000');
  hash.update(reject.original instanceof Uint8Array ? reject.original : (JSON.stringify(reject.original) ?? 'undefined'));
  return hash.digest('base64url');
}

/**
 * A RejectSink that dead-letters each refused input once per horizon: the same record refused for the same
 * reason on every poll of a stuck page (or in every retry of a webhook) costs one dead letter, not one per
 * poll. If the memory cannot answer, everything is dead-lettered — a repeat is cheaper than a loss.
 */
export class DedupingRejectSink implements RejectSink {
  constructor(
    private readonly inner: RejectSink,
    private readonly memory: RejectMemory,
    private readonly onSuppressed: (sourceId: string, count: number) => void,
    private readonly onMemoryError: (error: unknown) => void = () => undefined,
  ) {}

  async reject(rejects: readonly RejectedInput[]): Promise<void> {
    if (rejects.length === 0) return;
    const fresh: RejectedInput[] = [];
    const bySource = new Map<string, { input: RejectedInput; fingerprint: string }[]>();
    for (const input of rejects) {
      const list = bySource.get(input.sourceId) ?? [];
      list.push({ input, fingerprint: rejectFingerprint(input) });
      bySource.set(input.sourceId, list);
    }
    for (const [sourceId, list] of bySource) {
      // Identical inputs inside one call count once too (a webhook body repeating one bad element).
      const unique = new Map<string, RejectedInput>();
      for (const { input, fingerprint } of list) if (!unique.has(fingerprint)) unique.set(fingerprint, input);
      let first: boolean[];
      try {
        first = await this.memory.firstSeen(sourceId, [...unique.keys()]);
      } catch (error) {
        this.onMemoryError(error);
        first = [...unique.keys()].map(() => true);
      }
      let kept = 0;
      [...unique.values()].forEach((input, i) => {
        if (first[i] !== false) {
          fresh.push(input);
          kept += 1;
        }
      });
      if (list.length > kept) this.onSuppressed(sourceId, list.length - kept);
    }
    await this.inner.reject(fresh);
  }
}

/** In-process twin of the Redis reject memory, for unit tests. */
export class MemoryRejectMemory implements RejectMemory {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly horizonMs: number,
    private readonly clock: () => number,
  ) {}

  async firstSeen(sourceId: string, fingerprints: readonly string[]): Promise<boolean[]> {
    const now = this.clock();
    return fingerprints.map((fingerprint) => {
      const key = `${sourceId}\u0000${fingerprint}`;
      const until = this.seen.get(key);
      if (until !== undefined && until > now) return false;
      this.seen.set(key, now + this.horizonMs);
      return true;
    });
  }
}
