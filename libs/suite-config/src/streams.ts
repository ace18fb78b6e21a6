import { z } from 'zod';

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
        maxBytes: z.number().int().min(1024).default(4 * 1024 * 1024),
        mode: z.enum(['all', 'latest']).default('all'),
      })
      .strict()
      .default({ ms: 5000, allowedLatenessMs: 1000, idleFlushMs: 1000, maxEvents: 10_000, maxBytes: 4 * 1024 * 1024, mode: 'all' }),
  })
  .passthrough();

export type StreamConfig = z.output<typeof streamSchema>;
