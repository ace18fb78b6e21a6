/** A readiness check answers true when the dependency it guards is usable right now. */
export type ReadinessCheck = () => Promise<boolean>;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, boolean>;
}

/** The set of checks behind /readyz; each module registers the dependencies it needs. */
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.every(([, ok]) => ok), checks };
  }
}
