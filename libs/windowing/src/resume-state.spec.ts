import fc from 'fast-check';
import { positionOf } from './record-position';
import { parseResumeState, serializeResumeState, WindowingStateError, type PartitionResumeState } from './resume-state';

const offset = fc.option(fc.bigInt({ min: 0n, max: 2n ** 63n }), { nil: undefined });
const time = fc.option(fc.integer({ min: -1e13, max: 1e13 }), { nil: undefined });

describe('resume state', () => {
  it('round-trips through the committed metadata text', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 63n }),
        offset,
        fc.dictionary(fc.stringMatching(/^[a-z0-9._-]{1,20}$/), fc.record({ openFromMs: time, openedAtOffset: offset, nextPart: fc.nat(1000), emittedThroughOffset: offset, maxEventTimeMs: time, lastArrivalAtMs: time })),
        (committedOffset, consumedThroughOffset, streams) => {
          const state: PartitionResumeState = { committedOffset, consumedThroughOffset, streams: new Map(Object.entries(streams)) };
          expect(parseResumeState(serializeResumeState(state))).toEqual(state);
        },
      ),
    );
  });

  it('writes a position inside a record as offset.index, and reads version 1 offsets as the first change of theirs', () => {
    const streams = new Map([['s', { openFromMs: 5000, openedAtOffset: positionOf(41n, 0), nextPart: 1, emittedThroughOffset: positionOf(42n, 7), maxEventTimeMs: 6000, lastArrivalAtMs: 7000 }]]);
    const text = serializeResumeState({ committedOffset: 40n, consumedThroughOffset: positionOf(43n, 65535), streams });
    expect(JSON.parse(text)).toEqual({ v: 2, c: '40', l: '43.65535', s: { s: [5000, '41', 1, '42.7', 6000, 7000] } });
    expect(parseResumeState('{"v":1,"c":"40","l":"43","s":{"s":[5000,"41",1,"42",6000,7000]}}')).toEqual({
      committedOffset: 40n,
      consumedThroughOffset: positionOf(43n, 0),
      streams: new Map([['s', { openFromMs: 5000, openedAtOffset: positionOf(41n, 0), nextPart: 1, emittedThroughOffset: positionOf(42n, 0), maxEventTimeMs: 6000, lastArrivalAtMs: 7000 }]]),
    });
  });

  it('reads absent metadata as a partition never windowed', () => {
    expect(parseResumeState(undefined)).toBeUndefined();
    expect(parseResumeState(null)).toBeUndefined();
    expect(parseResumeState('')).toBeUndefined();
  });

  it('stays small: a stream costs well under 100 bytes of the 4096-byte metadata cap', () => {
    const streams = new Map(
      Array.from({ length: 30 }, (_, i) => [`stream-${i}`, { openFromMs: 1_763_000_000_000, openedAtOffset: 123_456_789n, nextPart: 3, emittedThroughOffset: 123_456_799n, maxEventTimeMs: 1_763_000_004_321, lastArrivalAtMs: 1_763_000_005_000 }] as const),
    );
    expect(serializeResumeState({ committedOffset: 123_456_700n, consumedThroughOffset: 123_456_999n, streams }).length).toBeLessThan(30 * 100);
  });

  it('refuses state it cannot trust rather than guessing', () => {
    expect(() => parseResumeState('{')).toThrow(WindowingStateError);
    expect(() => parseResumeState('{"v":3,"c":"1","l":null,"s":{}}')).toThrow(WindowingStateError);
    expect(() => parseResumeState('{"v":2,"c":"1.2","l":null,"s":{}}')).toThrow(WindowingStateError);
    expect(() => parseResumeState('{"v":2,"c":"1","l":"4.65536","s":{}}')).toThrow(WindowingStateError);
    // Version 1 predates records of several changes: a position inside a record cannot be in it.
    expect(() => parseResumeState('{"v":1,"c":"1","l":"4.2","s":{}}')).toThrow(WindowingStateError);
    expect(() => parseResumeState('{"v":1,"c":"-1","l":null,"s":{}}')).toThrow(WindowingStateError);
    expect(() => parseResumeState('{"v":1,"c":"1","l":null,"s":{"a":[0,null,0,null,0]}}')).toThrow(WindowingStateError);
    expect(() => parseResumeState('{"v":1,"c":"1","l":null,"s":{"a":[0,"x",0,null,0,0]}}')).toThrow(WindowingStateError);
    expect(() => parseResumeState('{"v":1,"c":"1","s":{}}')).toThrow(WindowingStateError);
  });
});
