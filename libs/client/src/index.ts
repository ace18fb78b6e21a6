export type {
  ClientEvent,
  ClientEventMap,
  ClientOptions,
  ClientState,
  ClientStats,
  ClosedEvent,
  DisconnectedEvent,
  ErrorEvent,
  FrameEvent,
  GapEvent,
  OpenEvent,
  ReconnectOptions,
  ResumedEvent,
  SnapshotEvent,
  SubscribedEvent,
  TokenSource,
} from './client';
export { createClient, DeltastreamClient } from './client';
export type { BackoffOptions } from './backoff';
export { backoffDelay } from './backoff';
export type { CodecName, Decompressor, Decompressors } from './codecs';
export { nodeDecompressors, runtimeDecompressors } from './codecs';
export type { FrameErrorKind } from './errors';
export { DeltastreamError, FrameError } from './errors';
export type { DecodedFrame, FrameDecodeOptions } from './frame-decoder';
export { decodeFrame } from './frame-decoder';
export type { WireFrame } from './frame-wire';
export { parseFrame } from './frame-wire';
export type { GapReason } from './notices';
export type { SlowConsumerPolicy, StartFrom } from './subscription';
export type { WebSocketConstructor, WebSocketLike } from './transports/websocket';
export type { FetchLike } from './transports/sse';
export type { JsonRecord, JsonValue } from '@deltastream/delta-codec';
