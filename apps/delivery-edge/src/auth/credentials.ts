/** What a client presented at connect (docs/security.md, "Credentials"). */
export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'jwt'; readonly token: string }
  | { readonly kind: 'apiKey'; readonly key: string }
  /** Something was sent, but not in a form the edge accepts: refused (401), never read as anonymous. */
  | { readonly kind: 'invalid'; readonly reason: string };

export interface CredentialParts {
  /** The `authorization` header or gRPC metadata value(s). */
  readonly authorization?: string | readonly string[] | undefined;
  /** The `x-api-key` header or gRPC metadata value(s). */
  readonly apiKey?: string | readonly string[] | undefined;
  /** URL query (WebSocket, SSE): `access_token`, `api_key`. */
  readonly query?: URLSearchParams | undefined;
}

/**
 * Reads the one credential of a request: `Authorization: Bearer <jwt>` or `?access_token=<jwt>`, or
 * `x-api-key: <key>` or `?api_key=<key>`. Two credentials (or a repeated one) are refused rather than
 * picked from, so what the edge checks is never ambiguous.
 */
export function credentialFrom(parts: CredentialParts): Credential {
  const found: Credential[] = [];
  const authorization = values(parts.authorization);
  for (const header of authorization) {
    const bearer = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!bearer?.[1]) return { kind: 'invalid', reason: 'the Authorization header must be "Bearer <jwt>"' };
    found.push({ kind: 'jwt', token: bearer[1] });
  }
  for (const token of parts.query?.getAll('access_token') ?? []) found.push({ kind: 'jwt', token });
  for (const key of [...values(parts.apiKey), ...(parts.query?.getAll('api_key') ?? [])]) found.push({ kind: 'apiKey', key });
  if (found.length > 1) return { kind: 'invalid', reason: 'send exactly one credential (Authorization, access_token, x-api-key or api_key)' };
  const [credential] = found;
  if (!credential) return { kind: 'none' };
  if ((credential.kind === 'jwt' && credential.token === '') || (credential.kind === 'apiKey' && credential.key === '')) return { kind: 'invalid', reason: 'empty credential' };
  return credential;
}

function values(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}
