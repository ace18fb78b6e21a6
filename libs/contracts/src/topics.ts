/**
 * The Kafka topic catalogue: every topic the pipeline uses, declared once. Names carry a version suffix:
 * an incompatible payload change gets a new topic (`.v2`) rather than breaking readers of the old one.
 * `ensureTopics` (libs/kafka) creates them idempotently at service start-up; docs/topics.md documents them.
 */
export interface TopicSpec {
  /** Kafka topic name. */
  readonly name: string;
  /** Fully qualified Protobuf message type of the record value. */
  readonly valueType: string;
  /** What the record key holds (all keys are UTF-8). */
  readonly key: string;
  readonly partitions: number;
  /** Retention in milliseconds (-1: forever). */
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly description: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Default retention of the frames topic: late consumers can replay up to a week. */
export const DEFAULT_FRAMES_RETENTION_MS = 7 * DAY_MS;

export type TopicName = 'events' | 'windows' | 'encoded' | 'frames' | 'deadLetter';

export interface TopicOverrides {
  /** Prefix of every topic name (default `deltastream`): isolates environments sharing one cluster. */
  readonly namespace?: string;
  /** Partitions for the pipeline topics (events, windows, encoded, frames). */
  readonly partitions?: number;
  readonly framesRetentionMs?: number;
}

/** The catalogue with operator overrides applied. */
export function topicCatalog(overrides: TopicOverrides = {}): Readonly<Record<TopicName, TopicSpec>> {
  const partitions = overrides.partitions ?? 6;
  const ns = overrides.namespace ?? 'deltastream';
  return {
    events: {
      name: `${ns}.events.v1`,
      valueType: 'deltastream.v1.ChangeEvent',
      key: 'entity id (default) or stream, per source — all changes of an entity stay in order on one partition',
      partitions,
      retentionMs: DAY_MS,
      cleanupPolicy: 'delete',
      description: 'Every upstream change, one record per change (ingestor → windower).',
    },
    windows: {
      name: `${ns}.windows.v1`,
      valueType: 'deltastream.v1.WindowBatch',
      key: 'stream',
      partitions,
      retentionMs: DAY_MS,
      cleanupPolicy: 'delete',
      description: 'Micro-window batches per stream (windower → enricher).',
    },
    encoded: {
      name: `${ns}.encoded.v1`,
      valueType: 'deltastream.v1.EncodedBatch',
      key: 'stream',
      partitions,
      retentionMs: DAY_MS,
      cleanupPolicy: 'delete',
      description: 'Transformed, event-delta encoded batches (enricher → compressor).',
    },
    frames: {
      name: `${ns}.frames.v1`,
      valueType: 'deltastream.v1.Frame',
      key: 'stream — one partition per stream keeps seq order',
      partitions,
      retentionMs: overrides.framesRetentionMs ?? DEFAULT_FRAMES_RETENTION_MS,
      cleanupPolicy: 'delete',
      description: 'Compressed delivery frames with per-stream seq, retained for replay (compressor → delivery-edge, internal consumers).',
    },
    deadLetter: {
      name: `${ns}.deadletter.v1`,
      valueType: 'deltastream.v1.DeadLetter',
      key: 'original key, or the source id for upstream input',
      partitions: 3,
      retentionMs: 14 * DAY_MS,
      cleanupPolicy: 'delete',
      description: 'Input any service refused, with the original bytes and the reason.',
    },
  };
}
