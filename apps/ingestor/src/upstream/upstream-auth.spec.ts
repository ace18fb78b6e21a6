import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultFetchPolicy, HttpPageFetcher, RequestBudget } from './http-page-fetcher';
import { ClientCredentialsAuth, upstreamAuth } from './upstream-auth';

/** A token endpoint and an API on loopback: the API takes only the token issued last. */
class OAuthUpstream {
  tokenRequests: { authorization: string | undefined; body: string }[] = [];
  apiAuthorizations: (string | undefined)[] = [];
  issued = 0;
  expiresIn = 3600;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void readAll(request).then((body) => {
        if (request.url === '/token') {
          this.tokenRequests.push({ authorization: request.headers.authorization, body });
          this.issued += 1;
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `t${this.issued}`, token_type: 'bearer', expires_in: this.expiresIn }));
          return;
        }
        this.apiAuthorizations.push(request.headers.authorization);
        const ok = request.headers.authorization === `Bearer t${this.issued}` || request.headers.authorization?.startsWith('Basic ') || request.headers.authorization === 'Bearer static-token';
        response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"items":[]}' : '{"message":"bad token"}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

function readAll(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => resolve(body));
  });
}

const page = (url: string) => ({ url: `${url}/items`, query: {}, timeoutMs: 5000, maxBytes: 1 << 20 });
const policy = { ...defaultFetchPolicy, maxAttempts: 1 };

describe('upstream authentication', () => {
  let upstream: OAuthUpstream;
  beforeEach(async () => {
    upstream = await new OAuthUpstream().start();
  });
  afterEach(() => upstream.stop());

  it('OAuth2 client credentials: one token for many requests, client authenticated with HTTP Basic', async () => {
    const auth = upstreamAuth({ type: 'oauth2-client-credentials', tokenUrl: `${upstream.url}/token`, clientId: { value: 'app' }, clientSecret: { value: 's3:cret' }, scope: 'read' }, 5000);
    const fetcher = new HttpPageFetcher({}, policy, Date.now, { ...(auth ? { auth } : {}) });
    for (let i = 0; i < 3; i++) expect((await fetcher.fetch(page(upstream.url))).kind).toBe('page');
    expect(upstream.tokenRequests).toHaveLength(1);
    expect(upstream.tokenRequests[0]?.authorization).toBe(`Basic ${Buffer.from('app:s3%3Acret').toString('base64')}`);
    expect(new URLSearchParams(upstream.tokenRequests[0]?.body)).toEqual(new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }));
    expect(upstream.apiAuthorizations).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t1']);
  });

  it('fetches a fresh token and retries once when the API answers 401 (a revoked token)', async () => {
    const auth = new ClientCredentialsAuth({ tokenUrl: `${upstream.url}/token`, clientId: 'app', clientSecret: 'x', timeoutMs: 5000 });
    const fetcher = new HttpPageFetcher({}, policy, Date.now, { auth });
    await fetcher.fetch(page(upstream.url));
    upstream.issued += 1; // the server rotated: t1 is no longer accepted, the next token issued will be t3
    expect((await fetcher.fetch(page(upstream.url))).kind).toBe('page');
    expect(upstream.apiAuthorizations).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t3']);
  });

  it('refreshes the token a minute before it expires (10% of a shorter lifetime)', async () => {
    let now = 0;
    const auth = new ClientCredentialsAuth({ tokenUrl: `${upstream.url}/token`, clientId: 'app', clientSecret: 'x', timeoutMs: 5000 }, () => now);
    expect(await auth.headers()).toEqual({ authorization: 'Bearer t1' });
    now = 3_539_000;
    expect(await auth.headers()).toEqual({ authorization: 'Bearer t1' });
    now = 3_541_000;
    expect(await auth.headers()).toEqual({ authorization: 'Bearer t2' });
    upstream.expiresIn = 120;
    now = 3_600_000;
    auth.refused(); // dropped: the next token (t3) is valid for 120 s
    expect(await auth.headers()).toEqual({ authorization: 'Bearer t3' });
    now += 107_000;
    expect(await auth.headers()).toEqual({ authorization: 'Bearer t3' });
    now += 2_000;
    expect(await auth.headers()).toEqual({ authorization: 'Bearer t4' });
  });

  it('sends bearer and basic credentials from secret references', async () => {
    const bearer = upstreamAuth({ type: 'bearer', token: { fromEnv: 'UP_TOKEN' } }, 5000, { UP_TOKEN: 'static-token' });
    const basic = upstreamAuth({ type: 'basic', username: { value: 'u' }, password: { value: 'p' } }, 5000);
    expect(await bearer?.headers()).toEqual({ authorization: 'Bearer static-token' });
    expect(await basic?.headers()).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(() => upstreamAuth({ type: 'bearer', token: { fromEnv: 'MISSING_TOKEN' } }, 5000, {})).toThrow('environment variable MISSING_TOKEN is not set');
  });
});

describe('RequestBudget', () => {
  it('spaces requests evenly within the budget and books each slot', () => {
    let now = 1000;
    const budget = new RequestBudget(60, () => now);
    expect([budget.reserve(), budget.reserve(), budget.reserve()]).toEqual([0, 1000, 2000]);
    now = 10_000;
    expect(budget.reserve()).toBe(0);
  });
});
