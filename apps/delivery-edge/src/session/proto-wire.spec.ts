import fc from 'fast-check';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FrameSchema, SubscribeResponseSchema } from '@deltastream/contracts';
import { responseWithFrame } from './proto-wire';

describe('responseWithFrame', () => {
  it('is byte-identical to encoding SubscribeResponse{frame} with Protobuf', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.bigInt({ min: 1n, max: 2n ** 53n }), fc.uint8Array({ maxLength: 70_000 }), (stream, seq, payload) => {
        const frame = create(FrameSchema, { stream, seq, payload });
        const stored = toBinary(FrameSchema, frame);
        const wrapped = responseWithFrame(stored);
        expect(wrapped).toEqual(toBinary(SubscribeResponseSchema, create(SubscribeResponseSchema, { message: { case: 'frame', value: frame } })));
        const decoded = fromBinary(SubscribeResponseSchema, wrapped);
        expect(decoded.message.case === 'frame' && toBinary(FrameSchema, decoded.message.value)).toEqual(stored);
      }),
      { numRuns: 50 },
    );
  });
});
