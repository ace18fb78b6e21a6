import { z } from 'zod';
import { httpEnvSchema } from '@deltastream/service-shell';

/** Environment of the demo-source service, validated once at boot. */
export const demoSourceConfigSchema = httpEnvSchema(8090);

export type DemoSourceConfig = z.output<typeof demoSourceConfigSchema>;
