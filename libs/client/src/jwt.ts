// Reading a JWT's expiry to refresh it before the edge closes the connection. Decodes the payload only:
// the client does not (and cannot) verify the signature — the edge does. Browser-safe.

/** The `exp` claim in ms since the epoch, or undefined when the token is not a JWT or has no numeric exp. */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const payload: unknown = JSON.parse(json);
    if (typeof payload !== 'object' || payload === null) return undefined;
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to refresh a token expiring at `expiresAtMs`: `leadMs` before expiry; a token with less than two
 * leads left is refreshed at half its remaining lifetime. Never sooner than `minDelayMs` from now, so a
 * token source handing out expired tokens cannot make the client spin.
 */
export function refreshDelayMs(expiresAtMs: number, nowMs: number, leadMs: number, minDelayMs = 1_000): number {
  const remaining = expiresAtMs - nowMs;
  return Math.max(minDelayMs, remaining > 2 * leadMs ? remaining - leadMs : remaining / 2);
}
