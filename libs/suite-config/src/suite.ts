import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { sourceSchema } from './sources';
import { streamSchema } from './streams';

export const suiteSchema = z
  .object({
    version: z.literal(1),
    sources: z.array(sourceSchema).default([]),
    streams: z.array(streamSchema).default([]),
  })
  .strict()
  .superRefine((suite, ctx) => {
    const seen = new Set<string>();
    suite.sources.forEach((source, index) => {
      if (seen.has(source.id)) ctx.addIssue({ code: 'custom', path: ['sources', index, 'id'], message: `duplicate source id "${source.id}"` });
      seen.add(source.id);
    });
    const streams = new Set<string>();
    suite.streams.forEach((stream, index) => {
      if (streams.has(stream.name)) ctx.addIssue({ code: 'custom', path: ['streams', index, 'name'], message: `duplicate stream "${stream.name}"` });
      streams.add(stream.name);
    });
  });

export type SuiteConfig = z.output<typeof suiteSchema>;

export class SuiteConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid suite configuration ${file}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SuiteConfigError';
  }
}

/** Parses suite YAML text; every problem is reported with its path (e.g. `sources.0.cursor.mode`). */
export function parseSuiteConfig(text: string, file = '<inline>'): SuiteConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new SuiteConfigError(file, [`not valid YAML: ${(error as Error).message}`]);
  }
  const result = suiteSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new SuiteConfigError(
      file,
      result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export function loadSuiteConfig(file: string): SuiteConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SuiteConfigError(file, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return parseSuiteConfig(text, file);
}

/**
 * An environment variable holding the suite file path, loaded and validated as part of a service's
 * config schema — so a broken suite file stops the service at boot like any other bad setting.
 */
export const suiteFileEnvSchema = z
  .string()
  .default('config/deltastream.yaml')
  .transform((file, ctx): SuiteConfig => {
    try {
      return loadSuiteConfig(file);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof SuiteConfigError ? error.message : `${file}: ${(error as Error).message}` });
      return z.NEVER;
    }
  });
