import type { DeadLetterSink } from '@deltastream/kafka';
import type { RejectedInput, RejectSink } from '@deltastream/ingest';
import type { Logger } from '@deltastream/observability';

/** Refused upstream input becomes dead-letter records: original bytes (or JSON of the record) + reason. */
export class DeadLetterRejectSink implements RejectSink {
  constructor(
    private readonly deadLetters: DeadLetterSink,
    private readonly logger: Logger,
  ) {}

  async reject(rejects: readonly RejectedInput[]): Promise<void> {
    await this.deadLetters.deadLetter(
      rejects.map((r) => ({
        original: r.original instanceof Uint8Array ? r.original : new TextEncoder().encode(JSON.stringify(r.original) ?? 'undefined'),
        topic: `http:${r.sourceId}`,
        reason: r.reason,
        errorKind: r.kind,
        source: r.sourceId,
        key: r.sourceId,
      })),
    );
    // One line per call with counts, never one per element: a page or webhook body of many bad records
    // must not flood the log.
    const bySource = new Map<string, { count: number; kinds: Record<string, number>; sample: string }>();
    for (const r of rejects) {
      const entry = bySource.get(r.sourceId) ?? { count: 0, kinds: {}, sample: r.reason };
      entry.count += 1;
      entry.kinds[r.kind] = (entry.kinds[r.kind] ?? 0) + 1;
      bySource.set(r.sourceId, entry);
    }
    for (const [source, { count, kinds, sample }] of bySource) this.logger.warn({ source, count, kinds, sample }, 'upstream input dead-lettered');
  }
}
