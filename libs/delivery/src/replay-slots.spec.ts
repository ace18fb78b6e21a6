import fc from 'fast-check';
import { ReplaySlots } from './replay-slots';

describe('ReplaySlots', () => {
  it('runs at most `perClient` replays of a client at once, starts the waiting ones in order as others end', () => {
    const slots = new ReplaySlots(2);
    const started: string[] = [];
    const a = slots.acquire('ip:1', () => started.push('a'));
    slots.acquire('ip:1', () => started.push('b'));
    const c = slots.acquire('ip:1', () => started.push('c'));
    slots.acquire('ip:1', () => started.push('d'));
    slots.acquire('ip:2', () => started.push('other client'));
    expect(started).toEqual(['a', 'b', 'other client']);
    c.release(); // cancelled while waiting: never starts
    a.release();
    expect(started).toEqual(['a', 'b', 'other client', 'd']);
    expect(slots.running('ip:1')).toBe(2);
  });

  it('never exceeds the limit and ends with nothing running, whatever the order of acquires and releases (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 20 })), { maxLength: 60 }), (limit, steps) => {
        const slots = new ReplaySlots(limit);
        const handles: Array<{ release(): void }> = [];
        for (const [acquire, index] of steps) {
          if (acquire || handles.length === 0) handles.push(slots.acquire('c', () => undefined));
          else handles.splice(index % handles.length, 1)[0]?.release();
          expect(slots.running('c')).toBeLessThanOrEqual(limit);
        }
        for (const handle of handles) handle.release();
        expect(slots.running('c')).toBe(0);
      }),
    );
  });
});
