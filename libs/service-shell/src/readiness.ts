/** A readiness check answers true when the dependency it guards is usable right now. */
export type ReadinessCheck = () => Promise<boolean>;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, boolean>;
  /** What an operator should know that does not make the service unready (e.g. stalled sources). */
  readonly details?: Record<string, unknown>;
}

/** The set of checks behind /readyz; each module registers the dependencies it needs. */
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly details = new Map<string, () => unknown>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** A detail shown in /readyz under `details.<name>` when it is not undefined; never affects readiness. */
  describe(name: string, detail: () => unknown): void {
    this.details.set(name, detail);
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(entries);
    const details = Object.fromEntries([...this.details].map(([name, detail]) => [name, detail()] as const).filter(([, value]) => value !== undefined));
    return { ready: entries.every(([, ok]) => ok), checks, ...(Object.keys(details).length > 0 ? { details } : {}) };
  }
}
