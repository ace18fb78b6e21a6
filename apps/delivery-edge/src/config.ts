import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema, redisEnvSchema } from '@deltastream/service-shell';

/** Environment of the delivery-edge service, validated once at boot. */
export const deliveryEdgeConfigSchema = httpEnvSchema(8080).extend(kafkaEnvSchema.shape).extend(redisEnvSchema.shape);

export type DeliveryEdgeConfig = z.output<typeof deliveryEdgeConfigSchema>;
