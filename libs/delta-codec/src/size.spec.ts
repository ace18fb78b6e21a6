import { sensorsWindow, tradesWindow } from './fixtures/demo-streams';
import { decodeRecords, encodeRecords } from './index';

// Sizes of deterministic outputs (fixed seeds), not timings: the goal is ≤ 12 bytes per event
// before compression for the demo sensors stream (JSON: ~155 bytes per event).

describe('encoded size of the demo streams', () => {
  it('a 5-second sensors window (50 sensors × 5 updates) takes at most 12 bytes per event', () => {
    const window = sensorsWindow();
    expect(window).toHaveLength(250);
    const frame = encodeRecords(window, { entityKey: 'id' });
    expect(frame.length).toBeLessThanOrEqual(12 * 250);
    expect(JSON.stringify(decodeRecords(frame))).toBe(JSON.stringify(window));
  });

  it('500 bursty trades over 5 symbols take at most 12 bytes per event', () => {
    const trades = tradesWindow({ trades: 500 });
    const frame = encodeRecords(trades, { entityKey: 'symbol' });
    expect(frame.length).toBeLessThanOrEqual(12 * 500);
    expect(JSON.stringify(decodeRecords(frame))).toBe(JSON.stringify(trades));
  });

  it('grouping by entity is what makes sensors small: without it deltas cross sensors', () => {
    const window = sensorsWindow();
    expect(encodeRecords(window, { entityKey: 'id' }).length).toBeLessThan(encodeRecords(window).length * 0.6);
  });
});
