/**
 * Decides which streams a connection may read. Issue #8 adds credentials (JWT claims per connection);
 * until then every connection is anonymous and the allow list comes from EDGE_ALLOWED_STREAMS.
 */
export interface Authorizer {
  isAllowed(stream: string): boolean;
}

/** The anonymous authorizer: every configured stream (`*`) or only the listed ones. */
export class AllowListAuthorizer implements Authorizer {
  constructor(private readonly allowed: ReadonlySet<string> | '*') {}

  isAllowed(stream: string): boolean {
    return this.allowed === '*' || this.allowed.has(stream);
  }
}
