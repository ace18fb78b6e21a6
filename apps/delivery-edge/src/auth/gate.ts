import { originAllowed, type OriginPolicy, type Principal } from '@deltastream/access';
import { CloseCode } from '@deltastream/delivery';
import type { Logger } from '@deltastream/observability';
import type { EdgeMetrics, Protocol } from '../metrics';
import type { Authenticator } from './authenticator';
import type { ConnectionLease, ConnectionSlots } from './connection-slots';
import type { Credential } from './credentials';
import type { SharedRateLimit } from './rate-limits';

export interface AdmissionRequest {
  readonly protocol: Protocol;
  readonly ip: string;
  /** The `Origin` header (browsers); undefined for non-browser clients and gRPC. */
  readonly origin?: string | undefined;
  readonly host?: string | undefined;
  /** The scheme the client used (http/https), when known: a same-origin page must have used the same one. */
  readonly scheme?: 'http' | 'https' | undefined;
  readonly credential: Credential;
}

export interface Refusal {
  readonly ok: false;
  readonly code: CloseCode;
  readonly reason: string;
  /** For 429 / RESOURCE_EXHAUSTED: when to try again. */
  readonly retryAfterSec?: number;
}

/** `credential`: what the client presented, kept by its session so the credential can be checked again when keys reload. */
export type Admission = { readonly ok: true; readonly principal: Principal; readonly lease: ConnectionLease; readonly credential: Credential } | Refusal;

export type Reauthentication = { readonly ok: true; readonly principal: Principal; readonly lease: ConnectionLease } | Refusal;

export interface GateOptions {
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  readonly connectPerIp: SharedRateLimit;
  readonly connectPerKey: SharedRateLimit;
  readonly slots: ConnectionSlots;
  readonly maxConnectionsPerKey: number;
  readonly maxAnonymousConnectionsPerIp: number;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
}

/** A full key's clients are told to come back after this long (a slot frees when any connection ends). */
const FULL_RETRY_AFTER_SEC = 5;

/**
 * Admission of a new connection, the same for WebSocket, SSE and gRPC, in an order that keeps each step
 * cheap for what got through the previous one: browser Origin, connection attempts per IP (before any
 * credential is looked at, so guessing keys or tokens is throttled too), the credential, connection
 * attempts per credential, and a slot under the per-credential connection limit.
 */
export class Gate {
  constructor(private readonly options: GateOptions) {}

  async admit(request: AdmissionRequest): Promise<Admission> {
    const { protocol } = request;
    if (!originAllowed(this.options.origins, request.origin, request.host, request.scheme)) {
      return this.authRefused(protocol, 'origin', CloseCode.StreamNotAllowed, 'origin not allowed', { ip: request.ip, origin: request.origin?.slice(0, 200) });
    }
    const perIp = await this.options.connectPerIp.take(request.ip);
    if (!perIp.ok) return this.limited(protocol, 'connect_ip', 'too many connection attempts from this address', perIp.retryAfterMs);
    const authentication = await this.options.authenticator.authenticate(request.credential, request.ip);
    if (!authentication.ok) return this.authRefused(protocol, authentication.label, CloseCode.Unauthorized, authentication.reason, { ip: request.ip });
    const principal = authentication.principal;
    if (principal.kind !== 'anonymous') {
      const perKey = await this.options.connectPerKey.take(principal.id);
      if (!perKey.ok) return this.limited(protocol, 'connect_key', 'too many connection attempts for this credential', perKey.retryAfterMs);
    }
    const lease = await this.lease(principal);
    if (!lease) return this.limited(protocol, 'connections', `too many open connections for this ${principal.kind === 'anonymous' ? 'address' : 'credential'}`, FULL_RETRY_AFTER_SEC * 1000);
    return { ok: true, principal, lease, credential: request.credential };
  }

  /**
   * A WebSocket `auth` message: the new token must verify and belong to the same subject (an anonymous
   * connection may authenticate; an API-key connection may not switch to a token). When the identity
   * changes (anonymous → token) the connection moves to a slot of the new identity; the caller releases
   * the old lease once it adopted the new one.
   */
  async reauthenticate(protocol: Protocol, current: Principal, currentLease: ConnectionLease, token: string): Promise<Reauthentication> {
    const verified = await this.options.authenticator.verifyToken(token);
    if (!verified.ok) return this.authRefused(protocol, verified.label, CloseCode.Unauthorized, verified.reason, { principal: current.id });
    const principal = verified.principal;
    if (current.kind === 'apiKey') return this.authRefused(protocol, 'switch', CloseCode.Unauthorized, 'a connection opened with an API key cannot switch to a token', { principal: current.id });
    if (current.kind === 'jwt' && principal.id !== current.id) return this.authRefused(protocol, 'subject', CloseCode.Unauthorized, 'the new token is for another subject', { principal: current.id });
    if (principal.id === currentLease.key) return { ok: true, principal, lease: currentLease };
    const lease = await this.lease(principal);
    if (!lease) return this.limited(protocol, 'connections', 'too many open connections for this credential', FULL_RETRY_AFTER_SEC * 1000);
    return { ok: true, principal, lease };
  }

  private lease(principal: Principal): Promise<ConnectionLease | undefined> {
    const max = principal.kind === 'anonymous' ? this.options.maxAnonymousConnectionsPerIp : this.options.maxConnectionsPerKey;
    return this.options.slots.acquire(principal.id, max);
  }

  private authRefused(protocol: Protocol, label: string, code: CloseCode, reason: string, context: Record<string, unknown>): Refusal {
    this.options.metrics.authRefusal(protocol, label);
    this.options.logger.debug({ protocol, reason, ...context }, 'connection refused');
    return { ok: false, code, reason };
  }

  private limited(protocol: Protocol, limit: string, reason: string, retryAfterMs: number): Refusal {
    this.options.metrics.rateLimited(protocol, limit);
    return { ok: false, code: CloseCode.RateLimited, reason, retryAfterSec: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  }
}
