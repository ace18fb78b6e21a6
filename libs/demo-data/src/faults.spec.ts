import fc from 'fast-check';
import { decideRequest, FaultInjector, NO_FAULTS, padBody, RecordFaults, truncateBody, type FaultConfig } from './faults';

const faults = (over: Partial<FaultConfig>): FaultConfig => ({ ...NO_FAULTS, ...over });

describe('request faults', () => {
  it('are off by default', () => {
    const injector = new FaultInjector('seed');
    for (let i = 0; i < 1000; i++) expect(injector.nextRequest()).toEqual({ kind: 'serve', latencyMs: 0, malformed: false, oversizeBytes: undefined });
  });

  it('are deterministic given the seed and the request number', () => {
    const config = faults({ errorRate: 0.3, throttleRate: 0.2, malformedRate: 0.1, oversizeRate: 0.1, latencyMs: 5 });
    const run = (seed: string) => {
      const injector = new FaultInjector(seed, config);
      return Array.from({ length: 200 }, () => injector.nextRequest());
    };
    expect(run('a')).toEqual(run('a'));
    expect(run('a')).not.toEqual(run('b'));
  });

  it('throttle every Nth request exactly, with the Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 60 }), (every, retryAfterS) => {
        const config = faults({ throttleEvery: every, retryAfterS });
        for (let n = 1; n <= 100; n++) {
          const decision = decideRequest(1, config, n);
          if (n % every === 0) expect(decision).toEqual({ kind: 'throttle', latencyMs: 0, retryAfterS });
          else expect(decision.kind).toBe('serve');
        }
      }),
    );
  });

  it('hit about the configured rates', () => {
    const config = faults({ errorRate: 0.2, errorStatus: 502 });
    const decisions = Array.from({ length: 10_000 }, (_, i) => decideRequest(9, config, i + 1));
    const errors = decisions.filter((d) => d.kind === 'error');
    expect(errors.length).toBeGreaterThan(1800);
    expect(errors.length).toBeLessThan(2200);
    expect(errors.every((d) => d.kind === 'error' && d.status === 502)).toBe(true);
  });

  it('switch at once when the configuration is replaced', () => {
    const injector = new FaultInjector('s');
    expect(injector.nextRequest().kind).toBe('serve');
    injector.set(faults({ errorRate: 1 }));
    expect(injector.nextRequest().kind).toBe('error');
    injector.set(NO_FAULTS);
    expect(injector.nextRequest().kind).toBe('serve');
    expect(injector.requestCount).toBe(3);
  });
});

describe('body faults', () => {
  it('truncation never leaves valid JSON', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        expect(() => JSON.parse(truncateBody(JSON.stringify(value)))).toThrow();
      }),
    );
  });

  it('padding keeps valid JSON and passes the size', () => {
    const body = JSON.stringify({ records: [{ id: 'a' }], next_since: 'x', has_more: false });
    const padded = padBody(body, 100_000);
    expect(Buffer.byteLength(padded)).toBeGreaterThan(100_000);
    expect(JSON.parse(padded)).toMatchObject(JSON.parse(body));
    expect(Buffer.byteLength(padBody('{}', 1000))).toBeGreaterThan(1000);
    expect(JSON.parse(padBody('{}', 1000))).toHaveProperty('padding');
  });
});

describe('record faults', () => {
  it('decide by identity and seed, at about the rate', () => {
    const config = faults({ lateRate: 0.1, lateByMs: 4000, duplicateRate: 0.2, badRecordRate: 0.05 });
    const a = new RecordFaults(1, () => config);
    const b = new RecordFaults(1, () => config);
    const kinds = ['x', 'y'] as const;
    let late = 0;
    for (let v = 0; v < 10_000; v++) {
      expect(a.lateBy(3, v)).toBe(b.lateBy(3, v));
      expect(a.duplicate(3, v)).toBe(b.duplicate(3, v));
      expect(a.bad(3, v, kinds)).toBe(b.bad(3, v, kinds));
      if (a.lateBy(3, v) === 4000) late++;
    }
    expect(late).toBeGreaterThan(900);
    expect(late).toBeLessThan(1100);
    const off = new RecordFaults(1, () => NO_FAULTS);
    expect(off.lateBy(3, 1)).toBe(0);
    expect(off.duplicates()).toBeUndefined();
    expect(off.bad(3, 1, kinds)).toBeUndefined();
  });
});
