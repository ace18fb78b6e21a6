import fc from 'fast-check';
import { parseNotice } from './notices';

describe('parseNotice', () => {
  it('reads the edge notices of the WebSocket JSON subprotocol', () => {
    expect(parseNotice('{"type":"subscribed","id":"s1","streams":["sensors"]}')).toEqual({ ok: true, notice: { type: 'subscribed', id: 's1', streams: ['sensors'] } });
    expect(parseNotice('{"type":"pong","id":"r2"}')).toEqual({ ok: true, notice: { type: 'pong', id: 'r2' } });
    expect(parseNotice('{"type":"gap","stream":"s","firstMissingSeq":3,"lastMissingSeq":4,"reason":"retention","earliestAvailableSeq":5}')).toEqual({
      ok: true,
      notice: { type: 'gap', stream: 's', firstMissingSeq: 3, lastMissingSeq: 4, reason: 'retention', earliestAvailableSeq: 5 },
    });
    expect(parseNotice('{"type":"snapshot","stream":"s","asOfSeq":9,"records":[{"id":"a"}]}')).toEqual({ ok: true, notice: { type: 'snapshot', stream: 's', asOfSeq: 9, records: [{ id: 'a' }] } });
  });

  it('reads SSE events by their name, including the auth error of issue #8', () => {
    expect(parseNotice('{"stream":"s","firstMissingSeq":1,"lastMissingSeq":1,"reason":"slow_consumer"}', 'gap')).toMatchObject({ ok: true, notice: { type: 'gap', firstMissingSeq: 1 } });
    expect(parseNotice('{"code":4401,"reason":"token expired"}', 'error')).toEqual({ ok: true, notice: { type: 'close', code: 4401, reason: 'token expired' } });
    expect(parseNotice('{"code":4008,"reason":"slow"}', 'close')).toEqual({ ok: true, notice: { type: 'close', code: 4008, reason: 'slow' } });
  });

  it('ignores types of a newer edge and refuses malformed known ones', () => {
    expect(parseNotice('{"type":"authenticated"}')).toEqual({ ok: true, notice: { type: 'ignored', notice: 'authenticated' } });
    expect(parseNotice('{"type":"gap","stream":"s","firstMissingSeq":5,"lastMissingSeq":4}').ok).toBe(false);
    expect(parseNotice('{"type":"gap","stream":"s","firstMissingSeq":1.5,"lastMissingSeq":4}').ok).toBe(false);
    expect(parseNotice('{"type":"snapshot","stream":"s","asOfSeq":1,"records":[1]}').ok).toBe(false);
    expect(parseNotice('[1]').ok).toBe(false);
    expect(parseNotice('nope').ok).toBe(false);
  });

  it('never throws, whatever the text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), fc.option(fc.constantFrom('gap', 'snapshot', 'close', 'error'), { nil: undefined }), (text, event) => {
      expect(typeof parseNotice(text, event).ok).toBe('boolean');
    }));
  });
});
