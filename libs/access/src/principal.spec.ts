import { anonymousPrincipal, canRead, type Principal } from './principal';

describe('canRead', () => {
  const bearer: Principal = { kind: 'jwt', id: 'jwt::alice', subject: 'alice', streams: ['iot.*'] };

  it('opens anonymous streams to everyone', () => {
    expect(canRead(anonymousPrincipal('1.2.3.4'), 'sensors', { anonymous: true })).toBe(true);
    expect(canRead(bearer, 'sensors', { anonymous: true })).toBe(true);
  });

  it('needs a matching pattern for every other stream', () => {
    expect(canRead(bearer, 'iot.a', { anonymous: false })).toBe(true);
    expect(canRead(bearer, 'sensors', { anonymous: false })).toBe(false);
    expect(canRead(anonymousPrincipal('1.2.3.4'), 'sensors', { anonymous: false })).toBe(false);
  });

  it('never lets patterns on an anonymous principal through', () => {
    expect(canRead({ kind: 'anonymous', id: 'anonymous:x', streams: ['*'] }, 'sensors', { anonymous: false })).toBe(false);
  });
});
