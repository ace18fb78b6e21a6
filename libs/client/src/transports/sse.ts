// SSE transport (`format=frames`) over fetch: works in browsers and Node 18+, can send headers
// (Authorization where allowed) and Last-Event-ID with every stream's position. Browser-safe.
import { closeCodeForHttpStatus, CloseCode } from '../close-codes';
import { retryAfterMs } from '../backoff';
import { parseNotice } from '../notices';
import { SseParser } from '../sse-parser';
import type { ConnectRequest, Connection, TransportHandlers } from './types';

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal: AbortSignal; cache?: 'no-store' }) => Promise<ResponseLike>;

export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

export function openSse(fetchImpl: FetchLike, request: ConnectRequest, handlers: TransportHandlers): Connection {
  const abort = new AbortController();
  let opened = false;
  let done = false;
  const finish = (info: { code: number; reason: string; httpStatus?: number; retryAfterMs?: number; serverRetryMs?: number }) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    abort.abort();
    handlers.closed({ ...info, opened });
  };
  const timer = setTimeout(() => finish({ code: CloseCode.Abnormal, reason: `no response within ${request.connectTimeoutMs} ms` }), request.connectTimeoutMs);

  void (async () => {
    let response: ResponseLike;
    try {
      response = await fetchImpl(request.url, { headers: { accept: 'text/event-stream', ...request.headers }, signal: abort.signal, cache: 'no-store' });
    } catch (error) {
      finish({ code: CloseCode.Abnormal, reason: (error as Error).message });
      return;
    }
    if (done) return;
    if (response.status !== 200 || response.body === null) {
      const retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
      const body = await response.text().catch(() => '');
      const refusal = parseNotice(body, 'close');
      const code = refusal.ok && refusal.notice.type === 'close' ? refusal.notice.code : closeCodeForHttpStatus(response.status);
      const reason = refusal.ok && refusal.notice.type === 'close' ? refusal.notice.reason : `HTTP ${response.status}`;
      finish({ code, reason, httpStatus: response.status, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) });
      return;
    }
    opened = true;
    clearTimeout(timer);
    handlers.open();
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    // A `retry:` in the closing event's block is the edge asking for that delay (4008 sends 10 s).
    let retryMs: number | undefined;
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (done) return;
        const text = ended ? decoder.decode() : decoder.decode(value, { stream: true });
        for (const item of parser.push(text)) {
          if (item.kind === 'retry') {
            retryMs = item.ms;
            continue;
          }
          if (item.kind === 'comment') handlers.heartbeat();
          else if (item.event === 'frame') handlers.frame(fromBase64(item.data));
          else if (item.event === 'close' || item.event === 'error') {
            const parsed = parseNotice(item.data, item.event);
            // The edge ends the stream after it; not waiting for that end keeps a half-dead proxy from stalling us.
            if (parsed.ok && parsed.notice.type === 'close') {
              finish({ code: parsed.notice.code, reason: parsed.notice.reason, ...(retryMs === undefined ? {} : { serverRetryMs: retryMs }) });
              return;
            }
          } else handlers.notice(item.data, item.event);
          retryMs = undefined;
          if (done) return;
        }
        if (ended) break;
      }
    } catch (error) {
      if (!done) finish({ code: CloseCode.Abnormal, reason: (error as Error).message });
      return;
    }
    // The edge announces its own ends (event: close); a stream that just stops is a lost connection.
    finish({ code: CloseCode.Abnormal, reason: 'event stream ended' });
  })();

  return {
    transport: 'sse',
    send: () => false,
    close: (code, reason) => finish({ code, reason }),
  };
}

/** Base64 → bytes with web-standard atob (no Buffer in browsers). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
