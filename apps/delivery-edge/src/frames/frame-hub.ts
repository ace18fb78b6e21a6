import { LatestState, type StreamExtent } from '@deltastream/delivery';
import type { EdgeStream } from '../config';
import type { FrameEvent } from './frame-event';
import { SeqIndex } from './seq-index';

export type FrameListener = (event: FrameEvent) => void;

/** What the edge knows about one stream from the frames it has read. */
interface StreamInfo {
  partition: number | undefined;
  earliestSeq: number;
  latestSeq: number;
  latestOffset: number;
  readonly index: SeqIndex;
  readonly state: LatestState;
  readonly listeners: Set<FrameListener>;
}

export interface HubOptions {
  readonly streams: ReadonlyMap<string, EdgeStream>;
  readonly maxEntities: number;
  readonly indexMaxPerStream: number;
  readonly onUndecodable?: (event: FrameEvent) => void;
}

/**
 * The live fan-out: every frame the frames reader sees goes through `publish` once, which updates the
 * stream's extent, seq index and latest state (in that order, before any subscriber sees the frame, so
 * a snapshot is never behind a frame already sent) and then hands the same FrameEvent to every listener.
 */
export class FrameHub {
  private readonly infos = new Map<string, StreamInfo>();

  constructor(private readonly options: HubOptions) {}

  isKnown(stream: string): boolean {
    return this.options.streams.has(stream);
  }

  entityIdField(stream: string): string | readonly string[] {
    return this.options.streams.get(stream)?.entityIdField ?? 'id';
  }

  publish(event: FrameEvent): void {
    const info = this.info(event.stream);
    info.partition = event.partition;
    if (event.seq > info.latestSeq) {
      if (info.latestSeq === 0) info.earliestSeq = event.seq;
      info.latestSeq = event.seq;
      info.latestOffset = event.offset;
      info.index.add(event.seq, event.offset, event.timestampMs);
      const records = event.records();
      if (records === undefined) this.options.onUndecodable?.(event);
      else info.state.apply(event.seq, records);
    }
    for (const listener of info.listeners) listener(event);
  }

  /** Registers for live frames of `stream`; returns the unsubscribe function. */
  listen(stream: string, listener: FrameListener): () => void {
    const listeners = this.info(stream).listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  extent(stream: string): StreamExtent {
    const info = this.infos.get(stream);
    if (!info || info.latestSeq === 0) return { earliestRetainedSeq: 1, latestSeq: 0 };
    return { earliestRetainedSeq: info.earliestSeq, latestSeq: info.latestSeq };
  }

  /** Where a replay of `stream` from `fromSeq` reads: its partition, a start offset and the offset of the latest frame. */
  replayRange(stream: string, fromSeq: number): { partition: number; startOffset: number; lastOffset: number } | undefined {
    const info = this.infos.get(stream);
    if (!info || info.partition === undefined) return undefined;
    return { partition: info.partition, startOffset: info.index.offsetAtOrBefore(fromSeq) ?? 0, lastOffset: info.latestOffset };
  }

  seqAtTime(stream: string, timeMs: number): number | undefined {
    return this.infos.get(stream)?.index.seqAtOrAfter(timeMs);
  }

  state(stream: string): LatestState | undefined {
    return this.infos.get(stream)?.state;
  }

  listenerCount(): number {
    let count = 0;
    for (const info of this.infos.values()) count += info.listeners.size;
    return count;
  }

  private info(stream: string): StreamInfo {
    let info = this.infos.get(stream);
    if (!info) {
      info = {
        partition: undefined,
        earliestSeq: 1,
        latestSeq: 0,
        latestOffset: 0,
        index: new SeqIndex(this.options.indexMaxPerStream),
        state: new LatestState({ entityIdField: this.entityIdField(stream), maxEntities: this.options.maxEntities }),
        listeners: new Set(),
      };
      this.infos.set(stream, info);
    }
    return info;
  }
}
