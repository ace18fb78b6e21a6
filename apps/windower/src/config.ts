import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema } from '@deltastream/service-shell';

/** Environment of the windower service, validated once at boot. */
export const windowerConfigSchema = httpEnvSchema(8082).extend(kafkaEnvSchema.shape);

export type WindowerConfig = z.output<typeof windowerConfigSchema>;
