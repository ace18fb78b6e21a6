import fc from 'fast-check';
import { OffsetLedger, type BufferedRecord } from './offset-ledger';
import { positionOf } from './record-position';

describe('OffsetLedger', () => {
  it('has nothing to commit before anything was consumed', () => {
    expect(new OffsetLedger().committableOffset()).toBeUndefined();
  });

  it('commits up to the smallest held offset, else past the last consumed one', () => {
    const ledger = new OffsetLedger();
    const held = [10n, 11n, 14n].map((offset) => {
      ledger.markSeen(offset, false);
      const record = ledger.track(offset, 5);
      ledger.retain(record);
      return record;
    });
    ledger.markSeen(15n, false); // consumed, nothing to hold (e.g. another stream's record, dead-lettered)
    expect(ledger.committableOffset()).toBe(10n);
    ledger.release(held[1] as BufferedRecord);
    expect(ledger.committableOffset()).toBe(10n);
    ledger.release(held[0] as BufferedRecord);
    expect(ledger.committableOffset()).toBe(14n);
    ledger.release(held[2] as BufferedRecord);
    expect(ledger.committableOffset()).toBe(16n);
  });

  it('counts a record held by several windows once, until the last releases it', () => {
    const ledger = new OffsetLedger();
    ledger.markSeen(1n, false);
    const record = ledger.track(1n, 7);
    ledger.retain(record);
    ledger.retain(record);
    expect(ledger.bufferedBytes()).toBe(7);
    ledger.release(record);
    expect(ledger.bufferedBytes()).toBe(7);
    ledger.release(record);
    expect(ledger.bufferedBytes()).toBe(0);
  });

  it('after the last change of a record, the next unseen position is the next record', () => {
    const ledger = new OffsetLedger();
    ledger.markSeen(positionOf(7n, 0), false);
    ledger.markSeen(positionOf(7n, 1), false);
    expect(ledger.committableOffset()).toBe(positionOf(7n, 2));
    ledger.markSeen(positionOf(7n, 2), true);
    expect(ledger.committableOffset()).toBe(positionOf(8n, 0));
    expect(ledger.lastSeen()).toBe(positionOf(7n, 2));
    expect(ledger.isStale(positionOf(7n, 65535))).toBe(true);
  });

  it('resumes at the committed offset and treats older offsets as re-deliveries', () => {
    const ledger = new OffsetLedger(50n);
    expect(ledger.committableOffset()).toBe(50n);
    expect(ledger.isStale(49n)).toBe(true);
    expect(ledger.isStale(50n)).toBe(false);
  });

  it('never moves backwards and never passes a held offset, whatever the release order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ hold: fc.boolean(), releaseAfter: fc.nat(20) }), { maxLength: 3000 }), (plan) => {
        const ledger = new OffsetLedger();
        const held: { record: BufferedRecord; at: number }[] = [];
        let last: bigint | undefined;
        plan.forEach(({ hold, releaseAfter }, i) => {
          const offset = BigInt(i * 2);
          ledger.markSeen(offset, false);
          if (hold) {
            const record = ledger.track(offset, 1);
            ledger.retain(record);
            held.push({ record, at: i + releaseAfter });
          }
          for (const entry of held.filter((h) => h.at === i)) ledger.release(entry.record);
          const committable = ledger.committableOffset() as bigint;
          const stillHeld = held.filter((h) => h.record.holders > 0).map((h) => h.record.offset);
          for (const offsetHeld of stillHeld) expect(committable <= offsetHeld).toBe(true);
          if (last !== undefined) expect(committable >= last).toBe(true);
          if (stillHeld.length === 0) expect(committable).toBe(offset + 1n);
          expect(ledger.bufferedBytes()).toBe(stillHeld.length);
          last = committable;
        });
      }),
    );
  });
});
