import { createHash } from 'node:crypto';
import { DeriveState, type CompiledTransforms, type DerivePoint } from '@deltastream/transforms';

/**
 * Derive state (the previous value per entity for `difference` / `rate`) checkpointed in the metadata
 * committed with a partition's consumer offset — in the same transaction as the encoded batches it
 * produced, so after a crash or a rebalance the next owner resumes with exactly the state that matches
 * the committed offset.
 *
 * The broker caps offset metadata (offset.metadata.max.bytes, 4096 by default), so only small states fit.
 * Streams are added while the budget lasts; a stream that does not fit is left out and restarts empty
 * (its first record per entity then has no derived field: omitted, never wrong).
 *
 * Format: `d1:` + JSON `{ <stream>: { f: <fingerprint>, e: [[entityId, value0, time0, value1, time1, …], …] } }`,
 * entities least recently updated first (replayed in that order, the LRU order is the same), one value/time
 * pair per derive step (null for none). The fingerprint ties the state to the stream's derive steps: after
 * a config change the old state is discarded rather than applied to other fields.
 */
const PREFIX = 'd1:';

interface StreamCheckpoint {
  readonly f: string;
  readonly e: ReadonlyArray<ReadonlyArray<string | number | null>>;
}

export interface DeriveCheckpoint {
  /** The metadata to commit ('' when there is nothing worth checkpointing). */
  readonly metadata: string;
  /** Streams whose state did not fit the budget (they restart empty after a restart or a rebalance). */
  readonly skipped: readonly string[];
}

/** Identifies a stream's derive steps; state checkpointed under other steps must not be reused. */
export function deriveFingerprint(transforms: CompiledTransforms): string {
  const steps = transforms.steps.filter((step) => step.type === 'derive');
  return createHash('sha256').update(JSON.stringify(steps)).digest('base64url').slice(0, 10);
}

/** The states of one partition's streams as offset metadata of at most `maxBytes` UTF-8 bytes. */
export function checkpointDeriveStates(states: ReadonlyMap<string, { readonly fingerprint: string; readonly state: DeriveState }>, maxBytes: number): DeriveCheckpoint {
  const parts: string[] = [];
  const skipped: string[] = [];
  // Bytes used so far by `d1:{` … `}`: each part adds itself and a comma.
  let used = Buffer.byteLength(PREFIX) + 2;
  for (const [stream, { fingerprint, state }] of states) {
    if (state.size === 0) continue;
    // Cheap refusal of a state that cannot fit (an entity takes at least `[""],` = 5 bytes): a large state
    // would otherwise be serialised on every commit only to be thrown away.
    if (used + state.size * 5 > maxBytes) {
      skipped.push(stream);
      continue;
    }
    const entities: Array<Array<string | number | null>> = [];
    for (const [entityId, points] of state.entries()) {
      const row: Array<string | number | null> = [entityId];
      for (const point of points) row.push(point?.value ?? null, point?.timeMs ?? null);
      entities.push(row);
    }
    const part = `${JSON.stringify(stream)}:${JSON.stringify({ f: fingerprint, e: entities } satisfies StreamCheckpoint)}`;
    const bytes = Buffer.byteLength(part) + (parts.length > 0 ? 1 : 0);
    if (used + bytes > maxBytes) {
      skipped.push(stream);
      continue;
    }
    parts.push(part);
    used += bytes;
  }
  return { metadata: parts.length > 0 ? `${PREFIX}{${parts.join(',')}}` : '', skipped };
}

export interface RestoredDeriveStates {
  readonly states: Map<string, DeriveState>;
  /** Why (part of) the checkpoint was not used, for the log; empty when everything was restored. */
  readonly problems: readonly string[];
}

/**
 * Rebuilds the states from committed metadata. Never throws: metadata that is absent, foreign or corrupt
 * (or written for other derive steps) gives empty states and a problem to log, never wrong values.
 */
export function restoreDeriveStates(metadata: string | undefined, fingerprints: ReadonlyMap<string, string>, maxEntities: number): RestoredDeriveStates {
  const states = new Map<string, DeriveState>();
  const problems: string[] = [];
  if (!metadata) return { states, problems };
  if (!metadata.startsWith(PREFIX)) return { states, problems: ['committed offset metadata is not a derive checkpoint'] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata.slice(PREFIX.length));
  } catch {
    return { states, problems: ['derive checkpoint is not valid JSON'] };
  }
  if (!isObject(parsed)) return { states, problems: ['derive checkpoint is not a JSON object'] };
  for (const [stream, checkpoint] of Object.entries(parsed)) {
    const fingerprint = fingerprints.get(stream);
    if (fingerprint === undefined) continue; // the stream no longer has derive steps
    if (!isObject(checkpoint) || checkpoint['f'] !== fingerprint) {
      problems.push(`${stream}: checkpointed for other derive steps; starting empty`);
      continue;
    }
    const state = restoreStream(checkpoint['e'], maxEntities);
    if (state) states.set(stream, state);
    else problems.push(`${stream}: malformed derive checkpoint; starting empty`);
  }
  return { states, problems };
}

function restoreStream(entities: unknown, maxEntities: number): DeriveState | undefined {
  if (!Array.isArray(entities)) return undefined;
  const state = new DeriveState({ maxEntities });
  for (const row of entities) {
    if (!Array.isArray(row) || typeof row[0] !== 'string' || row.length % 2 !== 1) return undefined;
    const points: Array<readonly [number, DerivePoint]> = [];
    for (let slot = 0; 1 + slot * 2 < row.length; slot += 1) {
      const value: unknown = row[1 + slot * 2];
      const timeMs: unknown = row[2 + slot * 2];
      if (value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || (timeMs !== null && typeof timeMs !== 'number')) return undefined;
      points.push([slot, { value, timeMs: timeMs ?? undefined }]);
    }
    state.update(row[0], points);
  }
  return state;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
