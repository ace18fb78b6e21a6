import { z } from 'zod';
import { CloseCode, reject, utf8Length, type Rejection } from './close-codes';
import type { Subscription } from './subscription';
import { clientId, ControlLimits, describeIssues, streamList, subscribeShape, toSubscription } from './subscription-schema';

/** A client → edge control message (WebSocket text frame). */
export type ControlMessage =
  | { readonly type: 'subscribe'; readonly subscription: Subscription }
  | { readonly type: 'unsubscribe'; readonly id?: string; readonly streams: readonly string[] }
  | { readonly type: 'ping'; readonly id?: string }
  /** Replaces the connection's credential with a fresh JWT (the edge verifies it; see docs/security.md). */
  | { readonly type: 'auth'; readonly id?: string; readonly token: string };

export type ControlParseResult = { readonly ok: true; readonly message: ControlMessage } | Rejection;

const unsubscribeShape = z.strictObject({ type: z.literal('unsubscribe'), id: clientId.optional(), streams: streamList });
const pingShape = z.strictObject({ type: z.literal('ping'), id: clientId.optional() });
const authShape = z.strictObject({
  type: z.literal('auth'),
  id: clientId.optional(),
  // Shape only (a compact JWS is three base64url parts); the signature and claims are the edge's to check.
  token: z
    .string()
    .max(ControlLimits.maxTokenChars, `token is at most ${ControlLimits.maxTokenChars} characters`)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, 'token must be a compact JWT (header.payload.signature)'),
});

const controlShape = z.discriminatedUnion('type', [subscribeShape, unsubscribeShape, pingShape, authShape], {
  error: 'type must be "subscribe", "unsubscribe", "ping" or "auth"',
});

/**
 * Parses and validates one JSON control message. Never throws: anything a client can send ends as
 * either a message or a rejection carrying the close code to use (1009 too big, 4400 otherwise).
 */
export function parseControlMessage(text: string): ControlParseResult {
  const tooBig = checkMessageSize(text);
  if (tooBig) return tooBig;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reject(CloseCode.BadRequest, 'control messages are JSON objects');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return reject(CloseCode.BadRequest, 'control messages are JSON objects');
  const parsed = controlShape.safeParse(json);
  if (!parsed.success) return reject(CloseCode.BadRequest, describeIssues(parsed.error));
  const message = parsed.data;
  switch (message.type) {
    case 'subscribe':
      return { ok: true, message: { type: 'subscribe', subscription: toSubscription(message) } };
    case 'unsubscribe':
      return { ok: true, message: { type: 'unsubscribe', ...withId(message.id), streams: [...new Set(message.streams)] } };
    case 'ping':
      return { ok: true, message: { type: 'ping', ...withId(message.id) } };
    case 'auth':
      return { ok: true, message: { type: 'auth', ...withId(message.id), token: message.token } };
  }
}

/**
 * The size check alone, for transports that can reject before decoding. Cheap first: a string of more
 * UTF-16 units than the limit is too big in UTF-8 too, so only short strings are measured.
 */
export function checkMessageSize(text: string): Rejection | undefined {
  const limit = ControlLimits.maxMessageBytes;
  if (text.length > limit || utf8Length(text) > limit) {
    return reject(CloseCode.MessageTooBig, `control messages are at most ${limit} bytes`);
  }
  return undefined;
}

function withId(id: string | undefined): { id?: string } {
  return id === undefined ? {} : { id };
}
