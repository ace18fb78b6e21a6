import { resolveSecret, type UpstreamAuthConfig } from '@deltastream/suite-config';

/** What the page fetcher asks before each request, and tells after an upstream 401. */
export interface UpstreamAuth {
  /** Headers carrying the credential (a cached token, refreshed when it is about to expire). */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** The upstream refused the credential: true when a fresh one may help (then the request is retried once). */
  refused(): boolean;
}

/** Bearer and basic credentials: fixed headers, resolved once at boot. */
class StaticAuth implements UpstreamAuth {
  constructor(private readonly value: Record<string, string>) {}
  async headers(): Promise<Record<string, string>> {
    return this.value;
  }
  refused(): boolean {
    return false;
  }
}

export class TokenEndpointError extends Error {}

/** Refresh this long before the token expires, or at 10% of a shorter lifetime. */
const REFRESH_LEAD_MS = 60_000;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): a token from the token endpoint, cached and refreshed before
 * it expires; concurrent requests share one token request. The client authenticates with HTTP Basic (§2.3.1).
 */
export class ClientCredentialsAuth implements UpstreamAuth {
  private token: { value: string; type: string; refreshAt: number } | undefined;
  private pending: Promise<{ value: string; type: string; refreshAt: number }> | undefined;

  constructor(
    private readonly options: { tokenUrl: string; clientId: string; clientSecret: string; scope?: string; audience?: string; timeoutMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    const token = this.token !== undefined && this.now() < this.token.refreshAt ? this.token : await this.fetchOnce(signal);
    return { authorization: `${token.type} ${token.value}` };
  }

  refused(): boolean {
    this.token = undefined;
    return true;
  }

  private fetchOnce(signal?: AbortSignal): Promise<{ value: string; type: string; refreshAt: number }> {
    this.pending ??= this.requestToken(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async requestToken(signal?: AbortSignal): Promise<{ value: string; type: string; refreshAt: number }> {
    const { tokenUrl, clientId, clientSecret, scope, audience, timeoutMs } = this.options;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    if (audience) body.set('audience', audience);
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    let response: Response;
    try {
      response = await fetch(tokenUrl, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body, signal: AbortSignal.any(signals) });
    } catch (error) {
      throw new TokenEndpointError(`token request to ${new URL(tokenUrl).origin} failed: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw new TokenEndpointError(`token endpoint ${new URL(tokenUrl).origin} answered ${response.status}`);
    let parsed: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new TokenEndpointError(`token endpoint ${new URL(tokenUrl).origin} did not answer JSON`);
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') throw new TokenEndpointError(`token endpoint ${new URL(tokenUrl).origin} answered without an access_token`);
    const lifetimeMs = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in * 1000 : 3_600_000;
    const type = typeof parsed.token_type === 'string' && parsed.token_type.toLowerCase() !== 'bearer' ? parsed.token_type : 'Bearer';
    this.token = { value: parsed.access_token, type, refreshAt: this.now() + lifetimeMs - Math.min(REFRESH_LEAD_MS, lifetimeMs * 0.1) };
    return this.token;
  }
}

/** The auth of a source, its secrets resolved now (at boot: a missing secret stops the service). */
export function upstreamAuth(config: UpstreamAuthConfig | undefined, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): UpstreamAuth | undefined {
  if (config === undefined) return undefined;
  switch (config.type) {
    case 'bearer':
      return new StaticAuth({ authorization: `Bearer ${resolveSecret(config.token, env)}` });
    case 'basic':
      return new StaticAuth({ authorization: `Basic ${Buffer.from(`${resolveSecret(config.username, env)}:${resolveSecret(config.password, env)}`).toString('base64')}` });
    case 'oauth2-client-credentials':
      return new ClientCredentialsAuth({
        tokenUrl: config.tokenUrl,
        clientId: resolveSecret(config.clientId, env),
        clientSecret: resolveSecret(config.clientSecret, env),
        ...(config.scope ? { scope: config.scope } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
        timeoutMs,
      });
  }
}
