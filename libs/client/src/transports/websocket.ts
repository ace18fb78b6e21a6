// WebSocket transport, JSON subprotocol. Browser-safe: any WHATWG-style WebSocket constructor works
// (browsers, Node 22+ global, undici); the `ws` package additionally gets request headers, HTTP refusal
// statuses (Retry-After) and protocol pings as liveness signals.
import { CloseCode, closeCodeForHttpStatus } from '../close-codes';
import { retryAfterMs } from '../backoff';
import type { ConnectRequest, Connection, TransportHandlers } from './types';

export const WS_PROTOCOL = 'deltastream.v1.json';

/** The part of a WebSocket the client uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or the `ws` package's default export. */
export type WebSocketConstructor = new (url: string, protocols: string, options?: never) => WebSocketLike;

/** Extras of the `ws` package (Node). */
interface NodeWebSocket {
  on(event: 'unexpected-response', listener: (request: unknown, response: { statusCode?: number; headers?: Record<string, string | string[] | undefined> }) => void): void;
  on(event: 'ping', listener: () => void): void;
  terminate(): void;
}

const OPEN = 1;

/**
 * True for the `ws` package, whose constructor takes request headers (browsers' and undici's ignore a
 * third argument, so credentials must then go in the query string). Recognised by `terminate`, which
 * only `ws` has.
 */
export function acceptsHeaders(constructor: WebSocketConstructor): boolean {
  const prototype = (constructor as unknown as { prototype?: { terminate?: unknown } }).prototype;
  return typeof prototype?.terminate === 'function';
}

interface CloseLike {
  readonly code?: number;
  readonly reason?: string;
}
interface MessageLike {
  readonly data: unknown;
}

export function openWebSocket(constructor: WebSocketConstructor, request: ConnectRequest, handlers: TransportHandlers): Connection {
  const headers = acceptsHeaders(constructor) ? request.headers : {};
  const Ctor = constructor as unknown as new (url: string, protocols: string, options?: unknown) => WebSocketLike;
  let socket: WebSocketLike;
  let opened = false;
  let done = false;
  let httpStatus: number | undefined;
  let retryAfter: number | undefined;
  const finish = (code: number, reason: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    handlers.closed({ code, reason, opened, ...(httpStatus === undefined ? {} : { httpStatus }), ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) });
  };
  const timer = setTimeout(() => {
    if (opened) return;
    try {
      socket.close();
    } catch {
      // a socket that is not even connecting cannot be closed; we are done with it either way
    }
    finish(CloseCode.Abnormal, `no connection within ${request.connectTimeoutMs} ms`);
  }, request.connectTimeoutMs);
  try {
    // permessage-deflate off (ws): frames are compressed already; the edge refuses it anyway.
    socket = new Ctor(request.url, WS_PROTOCOL, { headers, perMessageDeflate: false });
  } catch (error) {
    // An invalid URL throws synchronously; report it like any failed connect, after this call returns.
    socket = { binaryType: '', readyState: 3, send: () => undefined, close: () => undefined, addEventListener: () => undefined };
    queueMicrotask(() => finish(CloseCode.Abnormal, (error as Error).message));
  }
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('open', () => {
    if (done) return;
    opened = true;
    clearTimeout(timer);
    handlers.open();
  });
  socket.addEventListener('message', (event: MessageLike) => {
    if (done) return;
    const data = event.data;
    if (typeof data === 'string') handlers.notice(data);
    else if (data instanceof ArrayBuffer) handlers.frame(new Uint8Array(data));
    else if (ArrayBuffer.isView(data)) handlers.frame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  });
  socket.addEventListener('close', (event: CloseLike) => {
    const code = httpStatus !== undefined ? closeCodeForHttpStatus(httpStatus) : (event.code ?? CloseCode.Abnormal);
    const reason = httpStatus !== undefined ? `HTTP ${httpStatus} on connect` : (event.reason ?? '');
    finish(code, reason);
  });
  socket.addEventListener('error', () => undefined); // the close event that follows carries the outcome
  const node = socket as unknown as Partial<NodeWebSocket>;
  if (typeof node.on === 'function' && typeof node.terminate === 'function') {
    const terminate = node.terminate.bind(socket);
    node.on('unexpected-response', (_request, response) => {
      httpStatus = response.statusCode ?? 0;
      const header = response.headers?.['retry-after'];
      retryAfter = retryAfterMs(Array.isArray(header) ? header[0] : header, Date.now());
      terminate(); // with a listener, ws leaves aborting the handshake to us; close (1006) follows
    });
    node.on('ping', () => {
      if (!done) handlers.heartbeat();
    });
  }
  return {
    transport: 'websocket',
    send: (text) => {
      if (done || socket.readyState !== OPEN) return false;
      socket.send(text);
      return true;
    },
    close: (code, reason) => {
      if (done) return;
      try {
        socket.close(code, reason);
      } catch {
        // not open yet in some runtimes: the close event (or the connect timeout) still ends it
      }
      // Do not wait for the peer's close frame: the client is leaving (a dead peer never answers).
      finish(code, reason);
    },
  };
}
