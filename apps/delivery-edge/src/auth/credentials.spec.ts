import { credentialFrom } from './credentials';

describe('credentialFrom', () => {
  const query = (text: string) => new URLSearchParams(text);

  it('reads a bearer token from the Authorization header or access_token', () => {
    expect(credentialFrom({ authorization: 'Bearer a.b.c' })).toEqual({ kind: 'jwt', token: 'a.b.c' });
    expect(credentialFrom({ authorization: 'bearer  a.b.c ' })).toEqual({ kind: 'jwt', token: 'a.b.c' });
    expect(credentialFrom({ authorization: ['Bearer a.b.c'] })).toEqual({ kind: 'jwt', token: 'a.b.c' });
    expect(credentialFrom({ query: query('streams=x&access_token=a.b.c') })).toEqual({ kind: 'jwt', token: 'a.b.c' });
  });

  it('reads an API key from x-api-key or api_key', () => {
    expect(credentialFrom({ apiKey: 'dsk_1' })).toEqual({ kind: 'apiKey', key: 'dsk_1' });
    expect(credentialFrom({ query: query('api_key=dsk_1') })).toEqual({ kind: 'apiKey', key: 'dsk_1' });
  });

  it('is anonymous without any credential', () => {
    expect(credentialFrom({})).toEqual({ kind: 'none' });
    expect(credentialFrom({ authorization: [], apiKey: [], query: query('streams=a') })).toEqual({ kind: 'none' });
  });

  it('refuses ambiguous or malformed credentials instead of treating them as anonymous', () => {
    expect(credentialFrom({ authorization: 'Basic dXNlcjpwdw==' })).toMatchObject({ kind: 'invalid' });
    expect(credentialFrom({ authorization: 'Bearer' })).toMatchObject({ kind: 'invalid' });
    expect(credentialFrom({ authorization: 'Bearer a.b.c', query: query('access_token=d.e.f') })).toMatchObject({ kind: 'invalid' });
    expect(credentialFrom({ apiKey: 'k', query: query('access_token=d.e.f') })).toMatchObject({ kind: 'invalid' });
    expect(credentialFrom({ query: query('api_key=a&api_key=b') })).toMatchObject({ kind: 'invalid' });
    expect(credentialFrom({ query: query('access_token=') })).toEqual({ kind: 'invalid', reason: 'empty credential' });
  });
});
