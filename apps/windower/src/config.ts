import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema, sessionTimeoutMs } from '@deltastream/service-shell';
import { suiteFileEnvSchema } from '@deltastream/suite-config';
import { Windower, WindowingConfigError, type StreamWindowConfig } from '@deltastream/windowing';

/** The suite file, reduced to what the windower reads: each stream's window (`ms` is `windowMs` here). */
const streamWindowsSchema = suiteFileEnvSchema.transform((suite): StreamWindowConfig[] =>
  suite.streams.map(({ name, window }) => ({
    stream: name,
    windowMs: window.ms,
    ...(window.hopMs === undefined ? {} : { hopMs: window.hopMs }),
    allowedLatenessMs: window.allowedLatenessMs,
    idleFlushMs: window.idleFlushMs,
    maxEvents: window.maxEvents,
    maxBytes: window.maxBytes,
    mode: window.mode,
  })),
);

/** Environment of the windower service, validated once at boot (the suite file included). */
export const windowerConfigSchema = httpEnvSchema(8082)
  .extend(kafkaEnvSchema.shape)
  .extend({
    DELTASTREAM_CONFIG: streamWindowsSchema,
    /** Event bytes buffered in open windows per instance; at this mark fetching pauses (resumes at 75%). */
    WINDOWER_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1).default(256 * 1024 * 1024),
    /** How often idle windows are checked (processing-time flush). */
    WINDOWER_TICK_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    /** Consumer group session timeout: how soon the partitions of a replica that died (kill -9) move. */
    WINDOWER_SESSION_TIMEOUT_MS: sessionTimeoutMs,
  })
  .superRefine((config, ctx) => {
    // The windowing library is the one judge of a window config (e.g. hopMs ≤ ms): ask it once, at boot.
    try {
      new Windower({ streams: config.DELTASTREAM_CONFIG, budget: { highWaterBytes: config.WINDOWER_MAX_BUFFERED_BYTES } });
    } catch (error) {
      if (!(error instanceof WindowingConfigError)) throw error;
      for (const problem of error.problems) ctx.addIssue({ code: 'custom', path: ['DELTASTREAM_CONFIG'], message: problem });
    }
  });

export type WindowerConfig = z.output<typeof windowerConfigSchema>;
