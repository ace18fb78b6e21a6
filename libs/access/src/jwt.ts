import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { DEFAULT_STREAM_CLAIMS, streamPatternsFromClaims, type StreamClaimOptions } from './claims';
import type { JwtAlgorithm, JwtKeyRing, VerificationKey } from './jwt-keys';
import type { Principal } from './principal';

export interface JwtPolicy {
  /** Algorithms accepted; a token signed with any other (and `none`, always) is refused. */
  readonly algorithms: readonly JwtAlgorithm[];
  /** Required `aud` (any of them) when set. */
  readonly audience?: string | readonly string[];
  /** Required `iss` (any of them) when set. */
  readonly issuer?: string | readonly string[];
  /** Leeway for `exp` / `nbf` against clock skew between the issuer and the edge. */
  readonly clockToleranceSec: number;
  /** Refuse tokens without `exp` (on by default: a token that never expires cannot be revoked). */
  readonly requireExp: boolean;
  readonly claims?: StreamClaimOptions;
}

/** Tokens are sent in headers and URLs: anything longer is not a token the edge issued keys for. */
export const MAX_TOKEN_CHARS = 8192;
const MAX_SUBJECT_CHARS = 256;

export type JwtRefusal = 'malformed' | 'algorithm' | 'no_key' | 'signature' | 'expired' | 'not_yet_valid' | 'audience' | 'issuer' | 'claims';

export type JwtVerification =
  | { readonly ok: true; readonly principal: Principal }
  /** `reason` is safe to send to the client (it never quotes the token); `refusal` labels metrics. */
  | { readonly ok: false; readonly refusal: JwtRefusal; readonly reason: string };

const refuse = (refusal: JwtRefusal, reason: string): JwtVerification => ({ ok: false, refusal, reason });

/**
 * Verifies a compact JWS token against a key ring (jose `jwtVerify` with an explicit algorithm list) and
 * turns it into a Principal. `nowMs` is the clock (injected, so expiry is testable). Refusal reasons:
 * `token expired`, `token not yet valid`, `wrong audience`, `wrong issuer`, `invalid signature`,
 * `algorithm X is not allowed`, `no key for kid "…"`, `malformed token`, or a claim problem.
 *
 * Keys are picked by the header's `alg` (only keys of that family: an RSA public key is never tried as
 * an HMAC secret) and `kid` (keys with that kid, plus keys without one). Each candidate is tried in
 * turn until a signature verifies; a claim failure after a verified signature is final.
 */
export async function verifyJwt(token: string, ring: JwtKeyRing, policy: JwtPolicy, nowMs: number): Promise<JwtVerification> {
  if (token.length > MAX_TOKEN_CHARS || token.split('.').length !== 3) return refuse('malformed', 'malformed token');
  let header: { alg?: unknown; kid?: unknown; crit?: unknown };
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return refuse('malformed', 'malformed token');
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  if (alg.toLowerCase() === 'none') return refuse('algorithm', 'unsigned tokens (alg none) are not allowed');
  if (!(policy.algorithms as readonly string[]).includes(alg)) return refuse('algorithm', `algorithm ${alg.slice(0, 16) || '(none)'} is not allowed`);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const candidates = ring.keys.filter((key) => key.algorithms.has(alg as JwtAlgorithm) && (kid === undefined || key.kid === undefined || key.kid === kid));
  if (candidates.length === 0) return refuse('no_key', kid === undefined ? `no key verifies ${alg}` : `no key for kid "${kid.slice(0, 64)}"`);
  // Keys whose kid matches first: with rotation, the named key is almost always the one.
  candidates.sort((a, b) => Number(b.kid !== undefined) - Number(a.kid !== undefined));
  for (const candidate of candidates) {
    const outcome = await verifyWith(token, candidate, alg as JwtAlgorithm, policy, nowMs);
    if (outcome !== 'signature') return outcome;
  }
  return refuse('signature', 'invalid signature');
}

async function verifyWith(token: string, candidate: VerificationKey, alg: JwtAlgorithm, policy: JwtPolicy, nowMs: number): Promise<JwtVerification | 'signature'> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, candidate.key, {
      algorithms: [alg],
      ...(policy.audience === undefined ? {} : { audience: policy.audience as string | string[] }),
      ...(policy.issuer === undefined ? {} : { issuer: policy.issuer as string | string[] }),
      clockTolerance: policy.clockToleranceSec,
      currentDate: new Date(nowMs),
      requiredClaims: policy.requireExp ? ['sub', 'exp'] : ['sub'],
    }));
  } catch (error) {
    return classify(error);
  }
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject === '' || subject.length > MAX_SUBJECT_CHARS) return refuse('claims', `sub must be a string of 1-${MAX_SUBJECT_CHARS} characters`);
  const streams = streamPatternsFromClaims(payload, policy.claims ?? DEFAULT_STREAM_CLAIMS);
  if (!streams.ok) return refuse('claims', streams.reason);
  const issuer = typeof payload.iss === 'string' ? payload.iss : '';
  return {
    ok: true,
    principal: {
      kind: 'jwt',
      id: `jwt:${issuer}:${subject}`,
      subject,
      streams: streams.patterns,
      ...(typeof payload.exp === 'number' ? { expiresAtMs: payload.exp * 1000 } : {}),
    },
  };
}

function classify(error: unknown): JwtVerification | 'signature' {
  const { code, claim } = error as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JWT_EXPIRED':
      return refuse('expired', 'token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') return refuse('not_yet_valid', 'token not yet valid');
      if (claim === 'aud') return refuse('audience', 'wrong audience');
      if (claim === 'iss') return refuse('issuer', 'wrong issuer');
      // jose's messages name the claim and never quote the token, e.g. `missing required "exp" claim`.
      return refuse('claims', (error as Error).message.slice(0, 100));
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return refuse('algorithm', 'algorithm is not allowed');
    default:
      // Malformed payloads, unsupported `crit` headers, key/algorithm mismatches the filter let through.
      return refuse('malformed', 'malformed token');
  }
}
