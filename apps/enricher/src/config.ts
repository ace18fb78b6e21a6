import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema, redisEnvSchema } from '@deltastream/service-shell';

/** Environment of the enricher service, validated once at boot. */
export const enricherConfigSchema = httpEnvSchema(8083).extend(kafkaEnvSchema.shape).extend(redisEnvSchema.shape);

export type EnricherConfig = z.output<typeof enricherConfigSchema>;
