// What the client does when a connection ends (docs/protocols.md "Close codes"; the auth contract of
// issue #8). Pure.

export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  Abnormal: 1006,
  MessageTooBig: 1009,
  SlowConsumer: 4008,
  RateLimited: 4009,
  BadRequest: 4400,
  Unauthorized: 4401,
  StreamNotAllowed: 4403,
  UnknownStream: 4404,
} as const;

/**
 * `resume`: back off, reconnect and resume by seq. `reauth`: get a fresh token and reconnect at once.
 * `fatal`: the request itself is wrong (or not allowed) — retrying cannot help; surface and stop.
 */
export type CloseAction = 'resume' | 'reauth' | 'fatal';

/**
 * 4400/4403/4404/1009 and every other 44xx (client errors, like HTTP 4xx) are fatal; 4401 re-authenticates;
 * everything else — 1001, 4008, 4009, 1006 (network), 1011, codes of a newer edge — resumes after backoff,
 * which is never wrong: resuming by seq cannot duplicate or lose frames.
 */
export function closeAction(code: number): CloseAction {
  if (code === CloseCode.Unauthorized) return 'reauth';
  if (code === CloseCode.MessageTooBig) return 'fatal';
  if (code >= 4400 && code <= 4499) return 'fatal';
  return 'resume';
}

/** The close code an HTTP refusal stands for (SSE responses, WebSocket handshakes refused with a status). */
export function closeCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return CloseCode.BadRequest;
    case 401:
      return CloseCode.Unauthorized;
    case 403:
      return CloseCode.StreamNotAllowed;
    case 404:
      return CloseCode.UnknownStream;
    case 413:
      return CloseCode.MessageTooBig;
    case 429:
      return CloseCode.RateLimited;
    default:
      // 5xx, 503 warming up, proxies' 502/504: the edge is not there right now.
      return status >= 400 && status < 500 ? CloseCode.BadRequest : CloseCode.GoingAway;
  }
}
