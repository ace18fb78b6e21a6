// The contract between the client and a transport (WebSocket, SSE). A transport only moves bytes and
// reports how the connection ended; decoding, dedupe and reconnecting are the client's.

export type TransportName = 'websocket' | 'sse';

export interface TransportHandlers {
  /** The connection is established (WebSocket open, SSE 200 with headers). */
  open(): void;
  /** The bytes of one `deltastream.v1.Frame`. */
  frame(bytes: Uint8Array): void;
  /** A JSON notice: a WebSocket text message, or an SSE event's data with the event's name. */
  notice(text: string, sseEvent?: string): void;
  /** A liveness signal without content (SSE comment, WebSocket ping where visible). */
  heartbeat(): void;
  /** Called exactly once, last. */
  closed(info: TransportClose): void;
}

export interface TransportClose {
  /** WebSocket close code, or its equivalent (SSE `event: close`, an HTTP refusal mapped by status). */
  readonly code: number;
  readonly reason: string;
  /** Whether `open` was reached. */
  readonly opened: boolean;
  /** The HTTP status of a refused handshake or SSE request, where the runtime exposes it. */
  readonly httpStatus?: number;
  /** Retry-After of a refusal, in ms. */
  readonly retryAfterMs?: number;
  /** The server asked for this reconnect delay (SSE `retry:` sent with a close). */
  readonly serverRetryMs?: number;
}

export interface Connection {
  readonly transport: TransportName;
  /** Sends a text message (WebSocket only); false when it cannot be sent now. */
  send(text: string): boolean;
  /** Ends the connection from this side; `closed` follows. */
  close(code: number, reason: string): void;
}

export interface ConnectRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
}
