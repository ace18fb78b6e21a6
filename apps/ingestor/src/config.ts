import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema, redisEnvSchema } from '@deltastream/service-shell';

/** Environment of the ingestor service, validated once at boot. */
export const ingestorConfigSchema = httpEnvSchema(8081).extend(kafkaEnvSchema.shape).extend(redisEnvSchema.shape);

export type IngestorConfig = z.output<typeof ingestorConfigSchema>;
