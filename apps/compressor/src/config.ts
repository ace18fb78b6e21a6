import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema, sessionTimeoutMs } from '@deltastream/service-shell';
import { suiteFileEnvSchema } from '@deltastream/suite-config';
import type { StreamCompression } from './framing/library-frame-compressor';

/** The suite file, reduced to what the compressor reads: each stream's compression policy. */
const compressionPoliciesSchema = suiteFileEnvSchema.transform(
  (suite): ReadonlyMap<string, StreamCompression> =>
    new Map(suite.streams.map((stream) => [stream.name, { codec: stream.compression.codec, level: stream.compression.level, minBytes: stream.compression.minBytes, fallback: stream.compression.fallback }])),
);

/** Environment of the compressor service, validated once at boot (the suite file included). */
export const compressorConfigSchema = httpEnvSchema(8084)
  .extend(kafkaEnvSchema.shape)
  .extend({
    DELTASTREAM_CONFIG: compressionPoliciesSchema,
    /** Consumer group session timeout: how soon the partitions of a replica that died (kill -9) move. */
    COMPRESSOR_SESSION_TIMEOUT_MS: sessionTimeoutMs,
  });

export type CompressorConfig = z.output<typeof compressorConfigSchema>;
