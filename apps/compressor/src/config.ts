import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema } from '@deltastream/service-shell';

/** Environment of the compressor service, validated once at boot. */
export const compressorConfigSchema = httpEnvSchema(8084).extend(kafkaEnvSchema.shape);

export type CompressorConfig = z.output<typeof compressorConfigSchema>;
