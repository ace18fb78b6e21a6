/**
 * Concurrent replays per client (a credential, or an address for anonymous clients). Each replay holds a Kafka
 * consumer (a group, broker connections); a client subscribing to a hundred streams from `earliest` would
 * otherwise open a hundred at once. Beyond the limit a replay waits for one of the client's others to end —
 * it is never refused: its live frames are buffered meanwhile and it starts where it would have.
 */
export class ReplaySlots {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Array<{ start: () => void; cancelled: boolean }>>();

  constructor(private readonly perClient: number) {
    if (!Number.isSafeInteger(perClient) || perClient < 1) throw new RangeError('perClient must be a whole number ≥ 1');
  }

  /** Starts `start` now, or once a slot of `client` frees; `release()` ends (or cancels) it, once. */
  acquire(client: string, start: () => void): { release(): void } {
    const entry = { start, cancelled: false };
    let released = false;
    let running = false;
    const run = () => {
      running = true;
      this.active.set(client, (this.active.get(client) ?? 0) + 1);
      start();
    };
    if ((this.active.get(client) ?? 0) < this.perClient) run();
    else {
      entry.start = run;
      const queue = this.waiting.get(client) ?? [];
      queue.push(entry);
      this.waiting.set(client, queue);
    }
    return {
      release: () => {
        if (released) return;
        released = true;
        if (!running) {
          entry.cancelled = true;
          return;
        }
        const left = (this.active.get(client) ?? 1) - 1;
        if (left > 0) this.active.set(client, left);
        else this.active.delete(client);
        this.startNext(client);
      },
    };
  }

  /** Replays running for `client` now. */
  running(client: string): number {
    return this.active.get(client) ?? 0;
  }

  private startNext(client: string): void {
    const queue = this.waiting.get(client);
    while (queue && queue.length > 0) {
      const next = queue.shift();
      if (queue.length === 0) this.waiting.delete(client);
      if (next && !next.cancelled) {
        next.start();
        return;
      }
    }
  }
}
