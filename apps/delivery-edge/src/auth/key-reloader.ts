import type { Logger } from '@deltastream/observability';
import { loadKeyMaterial, type KeyMaterial, type KeySources } from './key-material';

export interface KeyReloaderOptions {
  readonly sources: KeySources;
  /** Loaded and checked at boot (the config schema). */
  readonly initial: KeyMaterial;
  /** 0: never reload. */
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly onReload: (outcome: 'changed' | 'failed') => void;
}

/**
 * Re-reads the key files every interval, so a rotated Kubernetes Secret (mounted as a directory, updated
 * in place by the kubelet) takes effect without a restart. A broken reload keeps the keys in use — a
 * half-written file must not lock every client out — and is logged with its problems and counted.
 */
export class KeyReloader {
  private material: KeyMaterial;
  private timer: NodeJS.Timeout | undefined;
  private lastFailure = '';

  constructor(private readonly options: KeyReloaderOptions) {
    this.material = options.initial;
  }

  get current(): KeyMaterial {
    return this.material;
  }

  summary(): Record<string, number> {
    return { jwtKeys: this.material.jwt.keys.length, apiKeys: this.material.apiKeys.entries.length };
  }

  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => this.reload(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  reload(): void {
    const loaded = loadKeyMaterial(this.options.sources);
    if (!loaded.ok) {
      const problems = loaded.problems.map((p) => `${p.variable}: ${p.message}`);
      this.options.onReload('failed');
      // Once per distinct failure: the same broken file is not logged every interval.
      if (problems.join('\n') !== this.lastFailure) this.options.logger.error({ problems }, 'key reload failed; keeping the keys in use');
      this.lastFailure = problems.join('\n');
      return;
    }
    this.lastFailure = '';
    if (loaded.material.fingerprint === this.material.fingerprint) return;
    this.material = loaded.material;
    this.options.onReload('changed');
    this.options.logger.info(this.summary(), 'credentials reloaded');
  }
}
