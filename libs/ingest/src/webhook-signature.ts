import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Push sources sign each request: `X-Deltastream-Timestamp: <unix seconds>` and
 * `X-Deltastream-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` with the source's secret.
 * Binding the timestamp into the MAC and refusing old timestamps stops replays.
 */
export const SIGNATURE_HEADER = 'x-deltastream-signature';
export const TIMESTAMP_HEADER = 'x-deltastream-timestamp';
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;
/** A timestamp at most this far ahead of our clock is accepted (clock skew); a later one never is. */
export const DEFAULT_MAX_FUTURE_MS = 60_000;

export function signBody(secret: string, timestampSeconds: number, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifySignature(input: {
  secret: string;
  body: Uint8Array;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  nowMs: number;
  toleranceMs?: number;
  maxFutureMs?: number;
}): SignatureCheck {
  const { timestampHeader, signatureHeader } = input;
  if (!timestampHeader || !/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER}` };
  if (!signatureHeader || !/^sha256=[0-9a-f]{64}$/.test(signatureHeader)) return { ok: false, reason: `missing or malformed ${SIGNATURE_HEADER}` };
  const timestampMs = Number(timestampHeader) * 1000;
  const tolerance = input.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  if (input.nowMs - timestampMs > tolerance) return { ok: false, reason: 'timestamp outside the accepted window (replay or clock skew)' };
  if (timestampMs - input.nowMs > (input.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS)) return { ok: false, reason: 'timestamp is in the future (clock skew beyond the allowed limit)' };
  const expected = Buffer.from(signBody(input.secret, Number(timestampHeader), input.body));
  const given = Buffer.from(signatureHeader);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}
