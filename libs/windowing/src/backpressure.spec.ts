import { BackpressureLatch } from './backpressure';

describe('BackpressureLatch', () => {
  it('pauses at the high-water mark and resumes only at the low-water mark', () => {
    const latch = new BackpressureLatch(100, 60);
    expect([99, 100, 80, 61, 60, 99, 100].map((bytes) => latch.update(bytes))).toEqual([false, true, true, true, false, false, true]);
  });
});
