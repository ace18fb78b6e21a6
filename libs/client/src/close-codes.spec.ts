import { CloseCode as EdgeCloseCode, closeCodeRules, type ClientAction } from '@deltastream/delivery';
import { closeAction, closeCodeForHttpStatus, CloseCode, type CloseAction } from './close-codes';

/** The edge documents a next step per code; the client's three actions are those steps. */
const actionFor: Record<ClientAction, CloseAction> = { 'reconnect-and-resume': 'resume', 'reconnect-after-backoff': 'resume', 'refresh-credentials': 'reauth', 'fix-request': 'fatal' };

describe('close codes (docs/protocols.md and the auth contract)', () => {
  it('resumes after going away, slow consumer, rate limit and network errors; re-authenticates on 4401; stops on request errors', () => {
    for (const code of [1000, 1001, 1006, 1011, 1012, 4000, 4008, 4009, 4500]) expect(closeAction(code)).toBe('resume');
    expect(closeAction(4401)).toBe('reauth');
    for (const code of [1009, 4400, 4403, 4404, 4499]) expect(closeAction(code)).toBe('fatal');
  });

  it('maps HTTP refusals (SSE, WebSocket handshakes) to the same codes', () => {
    expect([400, 401, 403, 404, 413, 429, 503, 502, 418].map(closeCodeForHttpStatus)).toEqual([4400, 4401, 4403, 4404, 1009, 4009, 1001, 1001, 4400]);
  });

  // The browser package carries its own copy of the table (it has no dependencies); this keeps the two equal.
  it('agrees with the edge table (libs/delivery): the same codes, and the action the edge documents for each, by close code and by HTTP status', () => {
    for (const [name, code] of Object.entries(EdgeCloseCode)) expect([name, CloseCode[name as keyof typeof CloseCode]]).toEqual([name, code]);
    for (const rule of Object.values(closeCodeRules)) {
      expect([rule.name, closeAction(rule.code)]).toEqual([rule.name, actionFor[rule.clientAction]]);
      expect([rule.name, closeAction(closeCodeForHttpStatus(rule.httpStatus))]).toEqual([rule.name, actionFor[rule.clientAction]]);
    }
  });
});
