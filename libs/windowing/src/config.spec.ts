import { normalizeByteBudget, normalizeStreamConfigs, WindowingConfigError } from './config';
import { streamConfig } from './spec-helpers';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof WindowingConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a WindowingConfigError');
}

describe('windowing config', () => {
  it('makes tumbling windows hop by their size', () => {
    expect(normalizeStreamConfigs([streamConfig({ windowMs: 5000 })]).get('s')?.hopMs).toBe(5000);
    expect(normalizeStreamConfigs([streamConfig({ windowMs: 5000, hopMs: 1000 })]).get('s')?.hopMs).toBe(1000);
  });

  it('lists every problem, by stream', () => {
    const problems = problemsOf(() =>
      normalizeStreamConfigs([
        streamConfig({ stream: 'a', windowMs: 0, maxEvents: 0 }),
        streamConfig({ stream: 'b', windowMs: 100, hopMs: 200, allowedLatenessMs: -1, maxBytes: 1.5 }),
        streamConfig({ stream: 'b' }),
      ]),
    );
    expect(problems).toEqual([
      'stream "a": windowMs must be a positive integer',
      'stream "a": hopMs must be a positive integer ≤ windowMs',
      'stream "a": maxEvents must be a positive integer',
      'stream "b": hopMs must be a positive integer ≤ windowMs',
      'stream "b": allowedLatenessMs must be an integer ≥ 0',
      'stream "b": maxBytes must be a positive integer',
      'stream "b" is configured twice',
    ]);
  });

  it('defaults the low-water mark to 75% and refuses marks without a gap', () => {
    expect(normalizeByteBudget({ highWaterBytes: 1000 })).toEqual({ highWaterBytes: 1000, lowWaterBytes: 750 });
    expect(problemsOf(() => normalizeByteBudget({ highWaterBytes: 1000, lowWaterBytes: 1000 }))).toEqual(['budget.lowWaterBytes must be an integer ≥ 0 and < highWaterBytes']);
  });
});
