import { CloseCode, reject, type Rejection } from './close-codes';
import type { GapNoticeInfo } from './gap-notice';
import type { StartFrom } from './subscription';

/** What Kafka holds for a stream right now (the caller reads it from the frames topic). */
export interface StreamExtent {
  /** The first seq still retained; `latestSeq + 1` when retention has removed everything. */
  readonly earliestRetainedSeq: number;
  /** The last seq produced; 0 when the stream has never produced a frame. */
  readonly latestSeq: number;
}

/**
 * Maps a time to the first seq produced at or after it (Kafka offsets-for-times, done by the caller
 * before resolving; pass its answer back through this function). undefined: nothing that recent.
 */
export type SeqAtTime = (timeMs: number) => number | undefined;

/**
 * How a stream of a subscription starts. `afterSeq` anchors the StreamCursor / ReplayLiveHandoff.
 * `gap`, when present, is sent before anything else: the client asked for frames retention removed.
 */
export type StartPlan =
  | { readonly kind: 'live'; readonly afterSeq: number; readonly gap?: GapNoticeInfo }
  /** Replay [fromSeq, toSeq] from Kafka (toSeq: the latest seq now; keep reading until live is met). */
  | { readonly kind: 'replay'; readonly afterSeq: number; readonly fromSeq: number; readonly toSeq: number; readonly gap?: GapNoticeInfo };

export type StartResolution = { readonly ok: true; readonly plan: StartPlan } | Rejection;

/**
 * Decides replay or live-only for one stream. Never a silent gap: a resume point older than retention
 * yields a retention GapNotice for exactly the removed range, then replay from the earliest retained.
 * A resume point beyond the latest seq is refused: it means the stream was reset (or the client is
 * confused), and silently treating it as live would drop every frame up to the client's old seq.
 *
 * A time start before retention begins at the earliest retained frame without a gap notice: which
 * seqs fell between the time and retention is unknowable; clients that need exactness resume by seq.
 */
export function resolveStart(stream: string, from: StartFrom, extent: StreamExtent, seqAtTime?: SeqAtTime): StartResolution {
  const latest = extent.latestSeq;
  const earliest = Math.min(Math.max(extent.earliestRetainedSeq, 1), latest + 1);
  switch (from.kind) {
    case 'latest':
      return { ok: true, plan: { kind: 'live', afterSeq: latest } };
    case 'earliest':
      return { ok: true, plan: planAfter(earliest - 1, earliest, latest) };
    case 'time': {
      const seq = seqAtTime?.(from.timeMs);
      if (seq === undefined) return { ok: true, plan: { kind: 'live', afterSeq: latest } };
      const afterSeq = Math.min(Math.max(seq, earliest), latest + 1) - 1;
      return { ok: true, plan: planAfter(afterSeq, earliest, latest) };
    }
    case 'seq': {
      if (from.afterSeq > latest) {
        return reject(CloseCode.BadRequest, `cannot resume "${stream}" after seq ${from.afterSeq}: its latest seq is ${latest} (was the stream reset?)`);
      }
      if (from.afterSeq + 1 >= earliest) return { ok: true, plan: planAfter(from.afterSeq, earliest, latest) };
      const gap: GapNoticeInfo = {
        stream,
        firstMissingSeq: from.afterSeq + 1,
        lastMissingSeq: earliest - 1,
        reason: 'retention',
        earliestAvailableSeq: earliest,
      };
      return { ok: true, plan: { ...planAfter(earliest - 1, earliest, latest), gap } };
    }
  }
}

function planAfter(afterSeq: number, earliest: number, latest: number): StartPlan {
  if (afterSeq >= latest) return { kind: 'live', afterSeq };
  return { kind: 'replay', afterSeq, fromSeq: Math.max(afterSeq + 1, earliest), toSeq: latest };
}
