import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A credential in the suite config is never written inline as plain text in production: it names an
 * environment variable or a (Kubernetes secret) file. `value` exists for local demos and tests.
 */
export const secretRefSchema = z.union([
  z.object({ fromEnv: z.string().min(1) }).strict(),
  z.object({ fromFile: z.string().min(1) }).strict(),
  z.object({ value: z.string() }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

/** Resolves a secret reference; throws a message naming the reference (never the value). */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('value' in ref) return ref.value;
  if ('fromEnv' in ref) {
    const value = env[ref.fromEnv];
    if (value === undefined || value === '') throw new Error(`environment variable ${ref.fromEnv} is not set`);
    return value;
  }
  try {
    return readFileSync(ref.fromFile, 'utf8').trim();
  } catch (error) {
    throw new Error(`secret file ${ref.fromFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
