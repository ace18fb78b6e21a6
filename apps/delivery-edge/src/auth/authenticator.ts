import { algorithmsOf, anonymousPrincipal, verifyApiKey, verifyJwt, type JwtAlgorithm, type JwtPolicy, type Principal } from '@deltastream/access';
import type { Credential } from './credentials';
import type { KeyMaterial } from './key-material';

export interface AuthenticatorOptions {
  /** The current key material (swapped by the reload loop). */
  readonly keys: () => KeyMaterial;
  /** AUTH_JWT_ALGORITHMS; undefined: whatever the current keys verify. */
  readonly algorithms: readonly JwtAlgorithm[] | undefined;
  readonly audience: readonly string[] | undefined;
  readonly issuer: readonly string[] | undefined;
  readonly clockToleranceSec: number;
  readonly requireExp: boolean;
  readonly streamsClaim: string;
  readonly now?: () => number;
}

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  /** `reason` goes to the client; `label` to metrics (`auth_refusals{reason}`). */
  | { readonly ok: false; readonly reason: string; readonly label: string };

/** Turns a presented credential into a Principal with the current keys and the configured JWT policy. */
export class Authenticator {
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? Date.now;
  }

  async authenticate(credential: Credential, clientIp: string): Promise<Authentication> {
    switch (credential.kind) {
      case 'none':
        return { ok: true, principal: anonymousPrincipal(clientIp) };
      case 'invalid':
        return { ok: false, reason: credential.reason, label: 'malformed' };
      case 'apiKey': {
        const principal = verifyApiKey(credential.key, this.options.keys().apiKeys);
        return principal ? { ok: true, principal } : { ok: false, reason: 'invalid API key', label: 'api_key' };
      }
      case 'jwt':
        return this.verifyToken(credential.token);
    }
  }

  async verifyToken(token: string): Promise<Authentication> {
    const { keys, audience, issuer } = this.options;
    const ring = keys().jwt;
    if (ring.keys.length === 0) return { ok: false, reason: 'this edge accepts no tokens (no JWT keys configured)', label: 'no_key' };
    const policy: JwtPolicy = {
      algorithms: this.options.algorithms ?? algorithmsOf(ring),
      ...(audience ? { audience } : {}),
      ...(issuer ? { issuer } : {}),
      clockToleranceSec: this.options.clockToleranceSec,
      requireExp: this.options.requireExp,
      claims: { streamsClaim: this.options.streamsClaim, scopePrefix: 'streams:read:' },
    };
    const result = await verifyJwt(token, ring, policy, this.now());
    return result.ok ? result : { ok: false, reason: result.reason, label: result.refusal };
  }

  /** When a principal's credential stops being accepted, tolerance included (ms since the epoch). */
  expiryOf(principal: Principal): number | undefined {
    return principal.expiresAtMs === undefined ? undefined : principal.expiresAtMs + this.options.clockToleranceSec * 1000;
  }
}
