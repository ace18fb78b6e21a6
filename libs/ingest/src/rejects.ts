import type { IngestMetrics, RejectedInput, RejectSink } from './ports';

/** Dead-letters refused input (poll and push alike) and counts it, one metric update per kind. */
export async function rejectInputs(rejects: readonly RejectedInput[], sink: RejectSink, metrics: IngestMetrics): Promise<void> {
  if (rejects.length === 0) return;
  await sink.reject(rejects);
  const byKind = new Map<string, { sourceId: string; kind: RejectedInput['kind']; count: number }>();
  for (const r of rejects) {
    const key = `${r.sourceId}\u0000${r.kind}`;
    const entry = byKind.get(key) ?? { sourceId: r.sourceId, kind: r.kind, count: 0 };
    entry.count += 1;
    byKind.set(key, entry);
  }
  for (const { sourceId, kind, count } of byKind.values()) metrics.rejected(sourceId, kind, count);
}
