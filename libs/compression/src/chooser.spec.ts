import { AutoCodecChooser, type AutoChooserOptions, DEFAULT_AUTO_CANDIDATES } from './chooser';
import { type CodecChoice, choiceKey } from './codec';

/** What a codec "measures" on its n-th sample (n counts from 0 per codec) on frame `frame`. */
type Truth = (key: string, n: number, frame: number) => { ratio: number; microsPerKiB: number };

const RAW = 8192;

interface Run {
  /** Codec key each frame was sent with. */
  readonly used: string[];
  /** Codec key trialled on each frame, if any. */
  readonly trials: Array<string | undefined>;
}

/** Drives the chooser as compressFrame does: plan, then record the primary, then the trial. */
function simulate(chooser: AutoCodecChooser, frames: number, truth: Truth): Run {
  const counts = new Map<string, number>();
  const measure = (choice: CodecChoice, frame: number): void => {
    const key = choiceKey(choice);
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    const { ratio, microsPerKiB } = truth(key, n, frame);
    chooser.record({ choice, rawBytes: RAW, compressedBytes: Math.round(RAW * ratio), micros: (microsPerKiB * RAW) / 1024 });
  };
  const run: Run = { used: [], trials: [] };
  for (let frame = 0; frame < frames; frame++) {
    const plan = chooser.plan();
    run.used.push(choiceKey(plan.primary));
    run.trials.push(plan.trial && choiceKey(plan.trial));
    measure(plan.primary, frame);
    if (plan.trial !== undefined) measure(plan.trial, frame);
  }
  return run;
}

/** Frame indexes on which `key` was trialled. */
function trialFrames(run: Run, key: string): number[] {
  return run.trials.flatMap((trial, frame) => (trial === key ? [frame] : []));
}

/** Deterministic noise in [-1, 1) (an LCG with a fixed seed: same sequence every run). */
function noiseSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

const zstd = { codec: 'zstd', level: 3 } as const;
const lz4 = { codec: 'lz4' } as const;
const gzip = { codec: 'gzip', level: 6 } as const;
const none = { codec: 'none' } as const;

describe('AutoCodecChooser: trial schedule', () => {
  it('warms up by trialling each unmeasured candidate, then trials one frame in N, round-robin', () => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4, gzip, none], trialEvery: 4 });
    // Equal measurements for all: nothing switches, so the schedule is undisturbed.
    const run = simulate(chooser, 4003, () => ({ ratio: 0.5, microsPerKiB: 1 }));
    expect(run.used.every((key) => key === 'zstd:3')).toBe(true);
    expect(run.trials.slice(0, 3)).toEqual(['lz4', 'gzip:6', 'none']);
    const scheduled = run.trials.slice(3).filter((t) => t !== undefined);
    expect(scheduled.length).toBeGreaterThanOrEqual(999);
    expect(scheduled.length).toBeLessThanOrEqual(1001);
    // Round-robin over the others, never the current codec.
    scheduled.forEach((trial, i) => expect(trial).toBe(['lz4', 'gzip:6', 'none'][i % 3]));
  });

  it('spaces trials irregularly so periodic stream content cannot alias with them', () => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4], trialEvery: 2 });
    const run = simulate(chooser, 1000, () => ({ ratio: 0.5, microsPerKiB: 1 }));
    const frames = trialFrames(run, 'lz4').slice(1);
    const gaps = new Set(frames.slice(1).map((frame, i) => frame - (frames[i] ?? 0)));
    expect(gaps.size).toBeGreaterThan(1);
    // A period-2 stream (e.g. alternating snapshot/delta frames) gets trials on both kinds of frame.
    const even = frames.filter((frame) => frame % 2 === 0).length;
    expect(even / frames.length).toBeGreaterThan(0.3);
    expect(even / frames.length).toBeLessThan(0.7);
  });

  it('a single candidate is never trialled against anything', () => {
    const chooser = new AutoCodecChooser({ candidates: [lz4] });
    const run = simulate(chooser, 20, () => ({ ratio: 0.5, microsPerKiB: 1 }));
    expect(run.used).toEqual(Array(20).fill('lz4'));
    expect(run.trials).toEqual(Array(20).fill(undefined));
  });

  it('starts from `initial` and defaults to the first candidate', () => {
    expect(new AutoCodecChooser().current).toEqual(DEFAULT_AUTO_CANDIDATES[0]);
    expect(new AutoCodecChooser({ initial: { codec: 'lz4' } }).current).toEqual(lz4);
    // Levels are normalized, so { codec: 'gzip' } is the gzip:6 candidate.
    expect(new AutoCodecChooser({ candidates: [zstd, gzip], initial: { codec: 'gzip' } }).current).toEqual(gzip);
  });
});

describe('AutoCodecChooser: switching', () => {
  it('switches to a consistently better codec after `confirmations` winning trials, then stays', () => {
    const truth: Truth = (key) =>
      ({ 'zstd:3': { ratio: 0.6, microsPerKiB: 5 }, lz4: { ratio: 0.8, microsPerKiB: 1 }, 'gzip:6': { ratio: 0.2, microsPerKiB: 10 } })[key] ?? {
        ratio: 1,
        microsPerKiB: 0,
      };
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4, gzip], trialEvery: 4, confirmations: 3 });
    const run = simulate(chooser, 200, truth);
    // Costs per raw byte: zstd 0.6 + 5/1024 ≈ 0.605, gzip 0.2 + 10/1024 ≈ 0.210; required advantage
    // 10% of 0.605. gzip's smoothed advantage (0.2, 0.36, 0.49 of 0.395 after 1, 2, 3 trials) beats it
    // from the first trial, so its third trial confirms it and the next frame is the first with gzip.
    const thirdGzipTrial = trialFrames(run, 'gzip:6')[2] ?? -1;
    expect(thirdGzipTrial).toBeGreaterThan(0);
    expect(run.used.indexOf('gzip:6')).toBe(thirdGzipTrial + 1);
    expect(run.used.slice(thirdGzipTrial + 1).every((key) => key === 'gzip:6')).toBe(true);
    expect(chooser.switches).toBe(1);
    expect(chooser.current).toEqual(gzip);
  });

  it('switches back when the data changes, facing the same bar', () => {
    let phase = 1;
    const truth: Truth = (key) => {
      const gzipWins = phase === 1;
      if (key === 'gzip:6') return { ratio: gzipWins ? 0.3 : 0.7, microsPerKiB: 10 };
      return { ratio: 0.5, microsPerKiB: 5 };
    };
    const chooser = new AutoCodecChooser({ candidates: [zstd, gzip] });
    simulate(chooser, 100, truth);
    expect(chooser.current).toEqual(gzip);
    phase = 2;
    simulate(chooser, 100, truth);
    expect(chooser.current).toEqual(zstd);
    expect(chooser.switches).toBe(2);
  });

  it('does not switch for a gain below the margin', () => {
    // zstd costs 0.5 per raw byte, lz4 6% less: under the 10% margin.
    const truth: Truth = (key) => (key === 'lz4' ? { ratio: 0.47, microsPerKiB: 0 } : { ratio: 0.5, microsPerKiB: 0 });
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4] });
    simulate(chooser, 500, truth);
    expect(chooser.switches).toBe(0);
    // Control: the same gain with a 5% margin does switch.
    const eager = new AutoCodecChooser({ candidates: [zstd, lz4], switchMargin: 0.05 });
    simulate(eager, 500, truth);
    expect(eager.current).toEqual(lz4);
  });

  it('prices CPU: a high cpuCostBytesPerMicro prefers the fast codec, zero prefers the best ratio', () => {
    const truth: Truth = (key) => (key === 'lz4' ? { ratio: 0.7, microsPerKiB: 2 } : { ratio: 0.4, microsPerKiB: 60 });
    const cheapCpu = new AutoCodecChooser({ candidates: [lz4, gzip], cpuCostBytesPerMicro: 0 });
    simulate(cheapCpu, 200, truth);
    expect(cheapCpu.current).toEqual(gzip);
    // Per raw byte: lz4 saves 0.3 - 10 * 2/1024 ≈ 0.28, gzip 0.6 - 10 * 60/1024 ≈ 0.01.
    const dearCpu = new AutoCodecChooser({ candidates: [gzip, lz4], cpuCostBytesPerMicro: 10 });
    simulate(dearCpu, 200, truth);
    expect(dearCpu.current).toEqual(lz4);
  });

  it('falls back to none when nothing compresses and the CPU is wasted', () => {
    const brotli = { codec: 'brotli', level: 5 } as const;
    // brotli: cost 1.01 + 150/1024 ≈ 1.16 per raw byte; none: exactly 1.
    const truth: Truth = (key) => (key === 'none' ? { ratio: 1, microsPerKiB: 0.01 } : { ratio: 1.01, microsPerKiB: 150 });
    const chooser = new AutoCodecChooser({ candidates: [brotli, none] });
    simulate(chooser, 200, truth);
    expect(chooser.current).toEqual(none);
    const stats = chooser.stats();
    expect(stats.find((s) => s.choice.codec === 'none')?.score).toBeCloseTo(0, 0);
    expect(stats.find((s) => s.choice.codec === 'brotli')?.score).toBeLessThan(-0.1 * RAW);
  });

  it('judges by cost, not savings: 5% → 2% of the raw size is worth a switch', () => {
    const truth: Truth = (key) => (key === 'lz4' ? { ratio: 0.05, microsPerKiB: 1 } : { ratio: 0.02, microsPerKiB: 3 });
    const chooser = new AutoCodecChooser({ candidates: [lz4, zstd] });
    simulate(chooser, 200, truth);
    expect(chooser.current).toEqual(zstd);
  });
});

describe('AutoCodecChooser: hysteresis under noise', () => {
  // Two codecs of identical average quality; the challenger's measurements alternate between 20%
  // better and 20% worse than the current codec's, trial after trial.
  const alternating: Truth = (key, n) => {
    if (key === 'zstd:3') return { ratio: 0.5, microsPerKiB: 5 };
    return n % 2 === 0 ? { ratio: 0.4, microsPerKiB: 4 } : { ratio: 0.6, microsPerKiB: 6 };
  };

  // Realistic noise around identical true values: frame content moves every codec's ratio together
  // (±30%), plus ±3% per-codec ratio jitter, ±50% CPU jitter and a 20x CPU spike (GC, preemption) on
  // one sample in 50.
  const noisy = (seed: number): Truth => {
    const next = noiseSource(seed);
    const contentFactor = new Map<number, number>();
    return (_key, _n, frame) => {
      let content = contentFactor.get(frame);
      if (content === undefined) contentFactor.set(frame, (content = 1 + 0.3 * next()));
      const spike = next() > 0.96 ? 20 : 1;
      return { ratio: 0.5 * content * (1 + 0.03 * next()), microsPerKiB: 5 * (1 + 0.5 * next()) * spike };
    };
  };

  it('does not flap between equal codecs with alternating measurements', () => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4], trialEvery: 2 });
    simulate(chooser, 5000, alternating);
    expect(chooser.switches).toBe(0);
  });

  it.each([1, 2, 3, 4, 5])('does not flap between equal codecs under realistic noise (seed %i)', (seed) => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4, gzip], trialEvery: 2 });
    simulate(chooser, 5000, noisy(seed));
    expect(chooser.switches).toBe(0);
  });

  it('one outlier trial does not switch (needs consecutive wins); control: confirmations 1 does', () => {
    // Equal codecs, but every 10th lz4 trial looks 80% cheaper (a measurement glitch).
    const truth: Truth = (key, n) => ({ ratio: key === 'lz4' && n % 10 === 9 ? 0.1 : 0.5, microsPerKiB: 5 });
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4], trialEvery: 2 });
    simulate(chooser, 2000, truth);
    expect(chooser.switches).toBe(0);
    const hasty = new AutoCodecChooser({ candidates: [zstd, lz4], trialEvery: 2, confirmations: 1 });
    simulate(hasty, 2000, truth);
    expect(hasty.switches).toBeGreaterThan(0);
  });

  it('a GC pause inside the current codec\'s sample on a trial frame does not switch', () => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4], trialEvery: 2 });
    let zstdSamples = 0;
    const run = simulate(chooser, 2000, (key, n, frame) => {
      if (key === 'zstd:3') zstdSamples++;
      // 5 ms stall (1000x) on the current codec, once every 50 frames.
      const stall = key === 'zstd:3' && frame % 50 === 0 ? 1000 : 1;
      return { ratio: 0.5, microsPerKiB: 5 * stall };
    });
    expect(zstdSamples).toBe(2000);
    expect(run.trials.some((t, frame) => t !== undefined && frame % 50 === 0)).toBe(true);
    expect(chooser.switches).toBe(0);
  });

  it('a challenger that wins three times then loses big (equal on average) does not switch; control: no smoothing does', () => {
    const truth: Truth = (key, n) => {
      if (key === 'zstd:3') return { ratio: 0.5, microsPerKiB: 0 };
      return { ratio: n % 4 === 3 ? 1.1 : 0.3, microsPerKiB: 0 };
    };
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4], trialEvery: 2 });
    simulate(chooser, 2000, truth);
    expect(chooser.switches).toBe(0);
    const unsmoothed = new AutoCodecChooser({ candidates: [zstd, lz4], trialEvery: 2, alpha: 1 });
    simulate(unsmoothed, 2000, truth);
    expect(unsmoothed.switches).toBeGreaterThan(0);
  });

  it('control: without margin, confirmations and smoothing the same inputs do flap', () => {
    // Shows the scenarios above are hard enough that the hysteresis is what keeps the choice stable.
    const bare: AutoChooserOptions = { trialEvery: 2, switchMargin: 0, minAdvantage: 0, confirmations: 1, alpha: 1 };
    const alternatingChooser = new AutoCodecChooser({ ...bare, candidates: [zstd, lz4] });
    simulate(alternatingChooser, 5000, alternating);
    expect(alternatingChooser.switches).toBeGreaterThan(100);
    const noisyChooser = new AutoCodecChooser({ ...bare, candidates: [zstd, lz4, gzip] });
    simulate(noisyChooser, 5000, noisy(1));
    expect(noisyChooser.switches).toBeGreaterThan(100);
  });

  it('still switches through the noise when one codec is clearly better', () => {
    const base = noisy(7);
    const truth: Truth = (key, n, frame) => {
      const measured = base(key, n, frame);
      return key === 'lz4' ? { ...measured, ratio: measured.ratio * 0.7 } : measured;
    };
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4, gzip], trialEvery: 2 });
    simulate(chooser, 2000, truth);
    expect(chooser.current).toEqual(lz4);
    expect(chooser.switches).toBe(1);
  });
});

describe('AutoCodecChooser: inputs', () => {
  it('reports EWMA stats per candidate, seeded by the first sample', () => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4], alpha: 0.5 });
    chooser.record({ choice: zstd, rawBytes: 1024, compressedBytes: 512, micros: 10 });
    chooser.record({ choice: zstd, rawBytes: 2048, compressedBytes: 512, micros: 40 });
    const [zstdStats, lz4Stats] = chooser.stats();
    expect(zstdStats).toMatchObject({ samples: 2, ratio: 0.375, microsPerKiB: 15 });
    // typical frame = 1024 + 0.5 * (2048 - 1024) = 1536 bytes; per byte 1 - 0.375 - 15/1024.
    expect(zstdStats?.score).toBeCloseTo(1536 * (0.625 - 15 / 1024), 6);
    expect(lz4Stats).toMatchObject({ samples: 0 });
    expect(lz4Stats?.score).toBeNaN();
  });

  it('ignores empty frames', () => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4] });
    chooser.record({ choice: zstd, rawBytes: 0, compressedBytes: 9, micros: 3 });
    expect(chooser.stats()[0]?.samples).toBe(0);
  });

  it('refuses samples of unknown codecs and invalid numbers', () => {
    const chooser = new AutoCodecChooser({ candidates: [zstd, lz4] });
    expect(() => chooser.record({ choice: gzip, rawBytes: 10, compressedBytes: 5, micros: 1 })).toThrow(/not a candidate/);
    expect(() => chooser.record({ choice: { codec: 'zstd', level: 9 }, rawBytes: 10, compressedBytes: 5, micros: 1 })).toThrow(RangeError);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => chooser.record({ choice: zstd, rawBytes: 10, compressedBytes: 5, micros: bad })).toThrow(RangeError);
      expect(() => chooser.record({ choice: zstd, rawBytes: bad, compressedBytes: 5, micros: 1 })).toThrow(RangeError);
    }
  });

  it.each<[string, AutoChooserOptions]>([
    ['no candidates', { candidates: [] }],
    ['duplicate candidates', { candidates: [zstd, { codec: 'zstd' }] }],
    ['initial not a candidate', { candidates: [zstd], initial: lz4 }],
    ['invalid level', { candidates: [{ codec: 'gzip', level: 10 }] }],
    ['trialEvery 0', { trialEvery: 0 }],
    ['confirmations 1.5', { confirmations: 1.5 }],
    ['alpha 0', { alpha: 0 }],
    ['alpha above 1', { alpha: 1.1 }],
    ['negative cpu cost', { cpuCostBytesPerMicro: -1 }],
    ['infinite margin', { switchMargin: Number.POSITIVE_INFINITY }],
    ['NaN minimum advantage', { minAdvantage: Number.NaN }],
  ])('rejects %s', (_, options) => {
    expect(() => new AutoCodecChooser(options)).toThrow(RangeError);
  });
});
