import { z } from 'zod';
import { CODEC_NAMES, DEFAULT_MIN_BYTES } from '@deltastream/compression';
import { transformsSchema } from '@deltastream/transforms';

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'use 1–63 lowercase letters, digits, ".", "_" or "-"');

/** Per-stream settings read by the windower, enricher and compressor; each adds its own section. */
export const streamSchema = z
  .object({
    name,
    window: z
      .object({
        ms: z.number().int().min(10).default(5000),
        /** Hopping windows: advance by this much (omit for tumbling windows). */
        hopMs: z.number().int().min(10).optional(),
        allowedLatenessMs: z.number().int().min(0).default(1000),
        /** Processing-time flush for idle streams, after the window end plus lateness. */
        idleFlushMs: z.number().int().min(0).default(1000),
        maxEvents: z.number().int().min(1).default(10_000),
        /** Most event bytes per window part: keep the batch under the broker's message size limit (1 MiB by default). */
        maxBytes: z.number().int().min(1024).default(512 * 1024),
        mode: z.enum(['all', 'latest']).default('all'),
      })
      .strict()
      .default({ ms: 5000, allowedLatenessMs: 1000, idleFlushMs: 1000, maxEvents: 10_000, maxBytes: 512 * 1024, mode: 'all' }),
    /** Enricher: declarative steps applied to every record before delta encoding (libs/transforms). */
    transforms: transformsSchema,
    /** Compressor: one codec decision per frame (libs/compression). */
    compression: z
      .object({
        /** A fixed codec, or `auto` to pick from the ratio and CPU measured on recent frames. */
        codec: z.enum([...CODEC_NAMES, 'auto']).default('auto'),
        /** Level of a fixed codec; omit for the codec's default. Not allowed with `auto`. */
        level: z.number().int().optional(),
        /** Frames smaller than this go uncompressed: headers and CPU outweigh any saving. */
        minBytes: z.number().int().min(0).default(DEFAULT_MIN_BYTES),
        /** Add a gzip copy when the codec is one browsers cannot decode natively (made once per frame). */
        fallback: z.boolean().default(true),
      })
      .strict()
      .refine((c) => !(c.codec === 'auto' && c.level !== undefined), { message: 'level is chosen per candidate when codec is auto; remove level', path: ['level'] })
      .default({ codec: 'auto', minBytes: DEFAULT_MIN_BYTES, fallback: true }),
    /** Delivery edge: who may read the stream (credentials are configured on the edge, docs/security.md). */
    access: z
      .object({
        /** Readable without credentials. Off by default: a stream is private unless marked public. */
        anonymous: z.boolean().default(false),
      })
      .strict()
      .default({ anonymous: false }),
  })
  .passthrough();

export type StreamConfig = z.output<typeof streamSchema>;
