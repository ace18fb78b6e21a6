import {
  acceptRecord,
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  nestsDeeperThan,
  rejectInputs,
  verifySignature,
  type ChangeSink,
  type IngestedChange,
  type IngestMetrics,
  type RejectedInput,
  type RejectSink,
  type ReplayGuard,
} from '@deltastream/ingest';
import { inSpan, SpanKind } from '@deltastream/observability';
import type { SourceConfig } from '@deltastream/suite-config';

export type PushOutcome =
  | { status: 202; accepted: number; rejected: number }
  | { status: 400 | 401 | 404 | 409 | 413 | 503; error: string };

/** A signature stays claimed as long as a request carrying it could pass the timestamp check. */
const REPLAY_WINDOW_MS = DEFAULT_SIGNATURE_TOLERANCE_MS + DEFAULT_MAX_FUTURE_MS;

/**
 * A signed webhook delivery: verify the HMAC over the raw body, refuse what is too deep or too many
 * records before any work is done, refuse a request already received (its signature is claimed in Redis
 * for the whole window in which it would verify), parse a record or an array of records, publish the good
 * ones (answer only after Kafka acknowledged them) and dead-letter the bad ones. A failure on our side
 * releases the claim, so the sender's retry of the same request is accepted.
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
  replays: ReplayGuard;
}): Promise<PushOutcome> {
  const { source, secret } = input;
  if (!source || !source.push || secret === undefined) return { status: 404, error: 'no push source with this id' };
  const check = verifySignature({ secret, body: input.body, timestampHeader: input.timestampHeader, signatureHeader: input.signatureHeader, nowMs: input.nowMs });
  if (!check.ok) return { status: 401, error: check.reason };
  const signature = input.signatureHeader as string;

  if (nestsDeeperThan(input.body, source.maxJsonDepth)) {
    input.metrics.rejected(source.id, 'malformed_json', 1);
    return { status: 400, error: `body nests objects/arrays deeper than ${source.maxJsonDepth} levels (source maxJsonDepth)` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(input.body));
  } catch (error) {
    await rejectInputs([{ sourceId: source.id, kind: 'malformed_json', reason: `webhook body is not valid JSON: ${(error as Error).message}`, original: input.body }], input.rejects, input.metrics);
    return { status: 400, error: 'body is not valid JSON' };
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length > source.push.maxRecords) {
    return { status: 413, error: `${list.length} records in one request; at most ${source.push.maxRecords} are accepted (source push.maxRecords): send them in several requests` };
  }

  let claimed: boolean;
  try {
    claimed = await input.replays.claim(source.id, signature, REPLAY_WINDOW_MS);
  } catch {
    // Without the shared memory a replay cannot be told apart: refuse for now rather than risk a duplicate.
    return { status: 503, error: 'cannot check for a replayed request right now; retry later' };
  }
  if (!claimed) return { status: 409, error: 'this signed request was already received (replayed timestamp and signature)' };

  try {
    return await ingestRecords(source, list, Array.isArray(parsed), input);
  } catch (error) {
    await input.replays.release(source.id, signature).catch(() => undefined);
    throw error;
  }
}

async function ingestRecords(
  source: SourceConfig,
  list: readonly unknown[],
  isArray: boolean,
  input: { nowMs: number; changes: ChangeSink; rejects: RejectSink; metrics: IngestMetrics },
): Promise<PushOutcome> {
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
  if (changes.length === 0 && rejects.length > 0 && !isArray) {
    await rejectInputs(rejects, input.rejects, input.metrics);
    return { status: 400, error: rejects[0]?.reason ?? 'invalid record' };
  }
  // The webhook's records start their trace here (a span the produced records carry as parent).
  await inSpan(`webhook ${source.id}`, { kind: SpanKind.SERVER, attributes: { 'deltastream.source': source.id, 'deltastream.produced': changes.length } }, () => input.changes.publish(changes));
  input.metrics.produced(source.id, changes.length);
  await rejectInputs(rejects, input.rejects, input.metrics);
  return { status: 202, accepted: changes.length, rejected: rejects.length };
}
