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
    for (const r of rejects) this.logger.warn({ source: r.sourceId, kind: r.kind, reason: r.reason }, 'upstream input dead-lettered');
  }
}
