/**
 * Why a delivery connection ends, one code for every transport: WebSocket close codes are the source
 * of truth; gRPC statuses and HTTP statuses (SSE before the event stream opens) are derived from them
 * so a client SDK can react the same way whatever it is connected with.
 */
export const CloseCode = {
  /** The edge is shutting down or rebalancing: reconnect (anywhere) and resume by seq. */
  GoingAway: 1001,
  /** A control message exceeded the size limit. */
  MessageTooBig: 1009,
  /** The client did not read fast enough and its slow-consumer policy is `disconnect`. */
  SlowConsumer: 4008,
  /** Too many control messages or connections. */
  RateLimited: 4009,
  /** A control message, query or resume point did not validate. */
  BadRequest: 4400,
  /** Missing, invalid or expired credentials. */
  Unauthorized: 4401,
  /** The credentials do not allow one of the requested streams. */
  StreamNotAllowed: 4403,
  /** A requested stream does not exist. */
  UnknownStream: 4404,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** The gRPC status codes the edge uses (numeric values from grpc/status.proto, no gRPC import needed). */
export const GrpcStatus = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

/** What a well-behaved client does next; documented for SDK authors, not enforced here. */
export type ClientAction = 'reconnect-and-resume' | 'reconnect-after-backoff' | 'refresh-credentials' | 'fix-request';

export interface CloseCodeRule {
  readonly code: CloseCode;
  /** Stable machine-readable name, also used as the error `code` string in JSON replies and metrics. */
  readonly name: string;
  readonly grpcStatus: GrpcStatus;
  /** For SSE, when the error is known before the event stream starts. */
  readonly httpStatus: number;
  readonly clientAction: ClientAction;
}

function rule(code: CloseCode, name: string, grpcStatus: GrpcStatus, httpStatus: number, clientAction: ClientAction): CloseCodeRule {
  return { code, name, grpcStatus, httpStatus, clientAction };
}

export const closeCodeRules: Readonly<Record<CloseCode, CloseCodeRule>> = {
  [CloseCode.GoingAway]: rule(CloseCode.GoingAway, 'going_away', GrpcStatus.UNAVAILABLE, 503, 'reconnect-and-resume'),
  // gRPC reports oversized messages as RESOURCE_EXHAUSTED (its own max-message-size error does too).
  [CloseCode.MessageTooBig]: rule(CloseCode.MessageTooBig, 'message_too_big', GrpcStatus.RESOURCE_EXHAUSTED, 413, 'fix-request'),
  [CloseCode.SlowConsumer]: rule(CloseCode.SlowConsumer, 'slow_consumer', GrpcStatus.RESOURCE_EXHAUSTED, 503, 'reconnect-after-backoff'),
  [CloseCode.RateLimited]: rule(CloseCode.RateLimited, 'rate_limited', GrpcStatus.RESOURCE_EXHAUSTED, 429, 'reconnect-after-backoff'),
  [CloseCode.BadRequest]: rule(CloseCode.BadRequest, 'bad_request', GrpcStatus.INVALID_ARGUMENT, 400, 'fix-request'),
  [CloseCode.Unauthorized]: rule(CloseCode.Unauthorized, 'unauthorized', GrpcStatus.UNAUTHENTICATED, 401, 'refresh-credentials'),
  [CloseCode.StreamNotAllowed]: rule(CloseCode.StreamNotAllowed, 'stream_not_allowed', GrpcStatus.PERMISSION_DENIED, 403, 'fix-request'),
  [CloseCode.UnknownStream]: rule(CloseCode.UnknownStream, 'unknown_stream', GrpcStatus.NOT_FOUND, 404, 'fix-request'),
};

export function grpcStatusFor(code: CloseCode): GrpcStatus {
  return closeCodeRules[code].grpcStatus;
}

export function httpStatusFor(code: CloseCode): number {
  return closeCodeRules[code].httpStatus;
}

/** RFC 6455 §5.5: a close frame's payload is at most 125 bytes, 2 of which carry the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * A close reason that fits a WebSocket close frame: `ws` throws on longer ones, and the reason often
 * quotes client input. Cuts on a character boundary so the result stays valid UTF-8.
 */
export function closeReason(text: string): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > MAX_CLOSE_REASON_BYTES) return text.slice(0, end);
    bytes += size;
    end += char.length;
  }
  return text;
}

/** UTF-8 length without allocating an encoded copy (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** A refusal carried back to the transport, which closes (WebSocket), ends (gRPC status) or answers (SSE). */
export interface Rejection {
  readonly ok: false;
  readonly code: CloseCode;
  readonly reason: string;
}

export function reject(code: CloseCode, reason: string): Rejection {
  return { ok: false, code, reason };
}
