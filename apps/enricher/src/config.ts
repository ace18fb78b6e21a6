import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema, redisEnvSchema, sessionTimeoutMs } from '@deltastream/service-shell';
import { suiteFileEnvSchema } from '@deltastream/suite-config';
import { compileTransforms } from '@deltastream/transforms';
import { entityIdReader } from '@deltastream/field-path';
import type { StreamEnrichment } from './enriching/enrich-batch';

/**
 * Each stream's compiled transforms and the record field naming its entity (the entity id field of the
 * sources feeding it). Compiled here so a bad transform list stops the service at boot, named by stream.
 */
const enrichmentsSchema = suiteFileEnvSchema.transform((suite, ctx): ReadonlyMap<string, StreamEnrichment> => {
  const enrichments = new Map<string, StreamEnrichment>();
  for (const stream of suite.streams) {
    try {
      const entityKey = entityIdReader(suite.sources.find((source) => source.stream === stream.name)?.entityIdField ?? 'id').topLevelKey;
      enrichments.set(stream.name, { stream: stream.name, transforms: compileTransforms(stream.transforms), entityKey });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `streams.${stream.name}.transforms: ${(error as Error).message}` });
    }
  }
  return enrichments;
});

/** Environment of the enricher service, validated once at boot (the suite file and its transforms included). */
export const enricherConfigSchema = httpEnvSchema(8083)
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend({
    DELTASTREAM_CONFIG: enrichmentsSchema,
    /** Consumer group session timeout: how soon the partitions of a replica that died (kill -9) move. */
    ENRICHER_SESSION_TIMEOUT_MS: sessionTimeoutMs,
    /** How long a reference row (or its absence) read for a `join` step is reused. */
    ENRICHER_REFERENCE_TTL_MS: z.coerce.number().int().min(0).default(60_000),
    /** Entities remembered per stream and partition for `derive` steps (least recently seen forgotten first). */
    ENRICHER_DERIVE_MAX_ENTITIES: z.coerce.number().int().min(1).default(100_000),
    /**
     * Budget of the derive state committed with each partition offset (UTF-8 bytes; 0: not checkpointed).
     * Must stay within the broker's offset.metadata.max.bytes (4096 by default), or commits would fail.
     */
    ENRICHER_DERIVE_CHECKPOINT_MAX_BYTES: z.coerce.number().int().min(0).max(1_048_576).default(4000),
  });

export type EnricherConfig = z.output<typeof enricherConfigSchema>;
