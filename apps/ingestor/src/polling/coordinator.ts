import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { fairShare, preferenceOrder, type PollerDeps, type SnapshotStore } from '@deltastream/ingest';
import type { Logger } from '@deltastream/observability';
import type { SourceConfig } from '@deltastream/suite-config';
import type { RedisLeases } from '../redis/redis-leases';
import { runSourceLoop, type LoopHooks } from './source-loop';

interface Owned {
  readonly fence: number;
  readonly abort: AbortController;
  readonly done: Promise<unknown>;
}

export interface CoordinatorOptions {
  readonly leaseTtlMs: number;
  readonly replicaId?: string;
  /** Longest wait between polls of a stalled source. */
  readonly stalledMaxBackoffMs?: number;
}

/**
 * Spreads sources over ingestor replicas. Every third of the lease TTL each replica announces itself,
 * renews the leases it holds (a failed renewal stops that source's loop at once), gives back leases above
 * its fair share and takes free sources in its rendezvous-hash order. A dead replica's leases expire and
 * are taken within the TTL; each acquisition gets a higher fencing token, which is what the cursor write checks.
 */
export class IngestCoordinator {
  readonly replicaId: string;
  private readonly owned = new Map<string, Owned>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly sources: readonly SourceConfig[],
    private readonly leases: RedisLeases,
    private readonly depsFor: (source: SourceConfig) => PollerDeps & { readonly snapshots?: SnapshotStore },
    private readonly hooks: LoopHooks,
    private readonly logger: Logger,
    private readonly options: CoordinatorOptions,
  ) {
    this.replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    const interval = Math.max(100, Math.floor(this.options.leaseTtlMs / 3));
    const tick = () => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'lease round failed; retrying'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, interval);
        });
    };
    tick();
  }

  ownedSources(): string[] {
    return [...this.owned.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    const owned = [...this.owned.entries()];
    for (const [, entry] of owned) entry.abort.abort();
    await Promise.all(owned.map(([, entry]) => entry.done));
    await Promise.all(owned.map(([sourceId, entry]) => this.leases.release(sourceId, this.replicaId, entry.fence).catch(() => undefined)));
    this.owned.clear();
    await this.leases.leave(this.replicaId).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    const { leaseTtlMs } = this.options;
    const live = await this.leases.heartbeat(this.replicaId, Date.now(), leaseTtlMs);
    for (const [sourceId, entry] of this.owned) {
      if (!(await this.leases.renew(sourceId, this.replicaId, entry.fence, leaseTtlMs))) {
        this.logger.warn({ source: sourceId, fence: entry.fence }, 'lease renewal failed; stopping the source here');
        this.drop(sourceId);
      }
    }
    const share = fairShare(this.sources.length, live);
    const order = preferenceOrder(this.replicaId, this.sources.map((s) => s.id));
    // Give back the least preferred sources above the fair share, so a joining replica gets work.
    const ownedByPreference = order.filter((id) => this.owned.has(id));
    for (const sourceId of ownedByPreference.slice(share).reverse()) {
      const entry = this.owned.get(sourceId);
      if (!entry) continue;
      this.drop(sourceId);
      await entry.done;
      await this.leases.release(sourceId, this.replicaId, entry.fence);
      this.logger.info({ source: sourceId, share, live }, 'released source above fair share');
    }
    for (const sourceId of order) {
      if (this.stopped || this.owned.size >= share) break;
      if (this.owned.has(sourceId)) continue;
      const fence = await this.leases.acquire(sourceId, this.replicaId, leaseTtlMs);
      if (fence === undefined) continue;
      const source = this.sources.find((s) => s.id === sourceId);
      if (!source) continue;
      this.logger.info({ source: sourceId, fence, share, live }, 'acquired source lease');
      const abort = new AbortController();
      const done = runSourceLoop(source, fence, this.depsFor(source), this.hooks, this.logger, abort.signal, this.options.stalledMaxBackoffMs).then((reason) => {
        if (reason === 'lease_lost' && this.owned.get(sourceId)?.fence === fence) this.owned.delete(sourceId);
      });
      this.owned.set(sourceId, { fence, abort, done });
    }
  }

  private drop(sourceId: string): void {
    this.owned.get(sourceId)?.abort.abort();
    this.owned.delete(sourceId);
  }
}
