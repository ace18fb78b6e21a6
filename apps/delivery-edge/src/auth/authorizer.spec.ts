import { anonymousPrincipal, type Principal } from '@deltastream/access';
import { CloseCode } from '@deltastream/delivery';
import { StreamPolicyAuthorizer } from './authorizer';

describe('StreamPolicyAuthorizer', () => {
  const bearer: Principal = { kind: 'jwt', id: 'jwt::a', subject: 'a', streams: ['iot.*'] };
  const anonymous = anonymousPrincipal('10.0.0.1');
  const streams = new Map([
    ['sensors', true],
    ['iot.a', false],
    ['iot.x', false],
    ['trades', false],
  ]);

  it('lets everyone read anonymous streams and credentials read what their patterns match', () => {
    const authorizer = new StreamPolicyAuthorizer(streams, '*');
    expect(authorizer.refusal(anonymous, 'sensors')).toBeUndefined();
    expect(authorizer.refusal(bearer, 'sensors')).toBeUndefined();
    expect(authorizer.refusal(bearer, 'iot.x')).toBeUndefined();
  });

  it('answers 4401 when credentials would help and 4403 when they do not (unknown streams alike)', () => {
    const authorizer = new StreamPolicyAuthorizer(streams, '*');
    expect(authorizer.refusal(anonymous, 'iot.x')).toEqual({ ok: false, code: CloseCode.Unauthorized, reason: 'stream "iot.x" requires credentials' });
    expect(authorizer.refusal(anonymous, 'no-such-stream')?.code).toBe(CloseCode.Unauthorized);
    expect(authorizer.refusal(bearer, 'trades')).toEqual({ ok: false, code: CloseCode.StreamNotAllowed, reason: 'stream "trades" is not allowed' });
    expect(authorizer.refusal(bearer, 'no-such-stream')?.code).toBe(CloseCode.StreamNotAllowed);
  });

  it('lets unknown names through to 4404 when every stream is anonymous (nothing private to reveal)', () => {
    const authorizer = new StreamPolicyAuthorizer(new Map([['sensors', true]]), '*');
    expect(authorizer.refusal(anonymous, 'no-such-stream')).toBeUndefined();
    expect(authorizer.refusal(bearer, 'no-such-stream')?.code).toBe(CloseCode.StreamNotAllowed);
    expect(authorizer.refusal({ ...bearer, streams: ['*'] }, 'no-such-stream')).toBeUndefined();
  });

  it('keeps EDGE_ALLOWED_STREAMS as an operator-level list above every credential', () => {
    const authorizer = new StreamPolicyAuthorizer(streams, new Set(['iot.a']));
    expect(authorizer.refusal(anonymous, 'sensors')?.code).toBe(CloseCode.StreamNotAllowed);
    expect(authorizer.refusal({ ...bearer, streams: ['*'] }, 'trades')?.code).toBe(CloseCode.StreamNotAllowed);
    expect(authorizer.refusal(bearer, 'iot.a')).toBeUndefined();
  });
});
