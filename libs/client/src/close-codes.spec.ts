import { closeAction, closeCodeForHttpStatus } from './close-codes';

describe('close codes (docs/protocols.md and the auth contract)', () => {
  it('resumes after going away, slow consumer, rate limit and network errors; re-authenticates on 4401; stops on request errors', () => {
    for (const code of [1000, 1001, 1006, 1011, 1012, 4000, 4008, 4009, 4500]) expect(closeAction(code)).toBe('resume');
    expect(closeAction(4401)).toBe('reauth');
    for (const code of [1009, 4400, 4403, 4404, 4499]) expect(closeAction(code)).toBe('fatal');
  });

  it('maps HTTP refusals (SSE, WebSocket handshakes) to the same codes', () => {
    expect([400, 401, 403, 404, 413, 429, 503, 502, 418].map(closeCodeForHttpStatus)).toEqual([4400, 4401, 4403, 4404, 1009, 4009, 1001, 1001, 4400]);
  });
});
