import { matchesAnyStreamPattern } from './stream-pattern';

export type PrincipalKind = 'jwt' | 'apiKey' | 'anonymous';

/** Who is connected, as far as the edge's access decisions go. */
export interface Principal {
  readonly kind: PrincipalKind;
  /**
   * Stable identity for limits and logs: `jwt:<iss>:<sub>`, `apiKey:<name>`, `anonymous:<ip>`. Never a
   * credential: safe to log and to use in Redis keys.
   */
  readonly id: string;
  /** The JWT `sub` (token refreshes must keep it); absent for other kinds. */
  readonly subject?: string;
  /** Stream patterns the credential grants (see stream-pattern.ts). */
  readonly streams: readonly string[];
  /** When the credential stops being valid (JWT `exp`, ms since the epoch); absent: no expiry. */
  readonly expiresAtMs?: number;
}

/** How a stream may be read, from the suite file (`streams[].access`). */
export interface StreamAccessPolicy {
  /** Readable without credentials. */
  readonly anonymous: boolean;
}

export function anonymousPrincipal(clientIp: string): Principal {
  return { kind: 'anonymous', id: `anonymous:${clientIp}`, streams: [] };
}

/**
 * Whether `principal` may read `stream` (live or replayed: both are the same data). Anonymous streams are
 * open to everyone, credentials included; every other stream needs a credential whose patterns match.
 */
export function canRead(principal: Principal, stream: string, access: StreamAccessPolicy): boolean {
  if (access.anonymous) return true;
  return principal.kind !== 'anonymous' && matchesAnyStreamPattern(principal.streams, stream);
}
