import { acceptRecord, verifySignature, type ChangeSink, type IngestedChange, type IngestMetrics, type RejectedInput, type RejectSink } from '@deltastream/ingest';
import { inSpan, SpanKind } from '@deltastream/observability';
import type { SourceConfig } from '@deltastream/suite-config';

export type PushOutcome =
  | { status: 202; accepted: number; rejected: number }
  | { status: 400 | 401 | 404; error: string };

/**
 * A signed webhook delivery: verify the HMAC over the raw body, parse a record or an array of records,
 * publish the good ones (answer only after Kafka acknowledged them) and dead-letter the bad ones.
 */
export async function ingestPush(input: {
  source: SourceConfig | undefined;
  secret: string | undefined;
  body: Uint8Array;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  nowMs: number;
  changes: ChangeSink;
  rejects: RejectSink;
  metrics: IngestMetrics;
}): Promise<PushOutcome> {
  const { source, secret } = input;
  if (!source || !source.push || secret === undefined) return { status: 404, error: 'no push source with this id' };
  const check = verifySignature({ secret, body: input.body, timestampHeader: input.timestampHeader, signatureHeader: input.signatureHeader, nowMs: input.nowMs });
  if (!check.ok) return { status: 401, error: check.reason };

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(input.body));
  } catch (error) {
    await input.rejects.reject([{ sourceId: source.id, kind: 'malformed_json', reason: `webhook body is not valid JSON: ${(error as Error).message}`, original: input.body }]);
    input.metrics.rejected(source.id, 'malformed_json', 1);
    return { status: 400, error: 'body is not valid JSON' };
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const rejects: RejectedInput[] = [];
  const changes: IngestedChange[] = [];
  for (const raw of list) {
    // Push records carry no cursor; their own cursor field (if any) is informational only.
    const checked = acceptRecord(raw, { ...source, cursor: { mode: 'token', param: '', from: 'body', path: '', overlapPages: 1 } });
    if (!checked.ok) {
      rejects.push({ sourceId: source.id, kind: checked.kind, reason: checked.reason, original: checked.original });
      continue;
    }
    changes.push({
      sourceId: source.id,
      stream: source.stream,
      entityId: checked.entityId,
      version: checked.version,
      cursor: '',
      occurredAtMs: checked.occurredAtMs,
      observedAtMs: input.nowMs,
      record: checked.record,
      recovery: false,
    });
  }
  if (changes.length === 0 && rejects.length > 0 && !Array.isArray(parsed)) {
    await input.rejects.reject(rejects);
    input.metrics.rejected(source.id, rejects[0]?.kind ?? 'not_an_object', 1);
    return { status: 400, error: rejects[0]?.reason ?? 'invalid record' };
  }
  // The webhook's records start their trace here (a span the produced records carry as parent).
  await inSpan(`webhook ${source.id}`, { kind: SpanKind.SERVER, attributes: { 'deltastream.source': source.id, 'deltastream.produced': changes.length } }, () => input.changes.publish(changes));
  input.metrics.produced(source.id, changes.length);
  if (rejects.length > 0) {
    await input.rejects.reject(rejects);
    for (const r of rejects) input.metrics.rejected(source.id, r.kind, 1);
  }
  return { status: 202, accepted: changes.length, rejected: rejects.length };
}
