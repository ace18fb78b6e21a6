import { CloseCode, reject, type Rejection } from './close-codes';

export interface StreamAccess {
  /** Whether the caller's credentials allow this stream (the auth layer decides how). */
  readonly isAllowed: (stream: string) => boolean;
  /** Whether the stream exists in the suite configuration. */
  readonly isKnown: (stream: string) => boolean;
}

/**
 * Checks every requested stream; the first refusal wins. Permission is checked before existence so a
 * client cannot probe which stream names exist outside what it is allowed to see (it gets 4403 either way).
 */
export function authorizeStreams(streams: readonly string[], access: StreamAccess): { readonly ok: true } | Rejection {
  for (const stream of streams) {
    if (!access.isAllowed(stream)) return reject(CloseCode.StreamNotAllowed, `stream "${stream}" is not allowed`);
  }
  for (const stream of streams) {
    if (!access.isKnown(stream)) return reject(CloseCode.UnknownStream, `stream "${stream}" does not exist`);
  }
  return { ok: true };
}
