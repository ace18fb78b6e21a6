import { canRead, type Principal } from '@deltastream/access';
import { CloseCode, type Rejection } from '@deltastream/delivery';

/** Decides whether a connection's principal may read a stream (at subscribe, and again after a token refresh). */
export interface Authorizer {
  /** undefined: allowed; otherwise the refusal (4401 when credentials would help, 4403 when they do not). */
  refusal(principal: Principal, stream: string): Rejection | undefined;
}

/**
 * The suite file's per-stream access (anonymous or not) plus the credential's stream patterns, inside the
 * operator's EDGE_ALLOWED_STREAMS list.
 *
 * Unknown names: a credential gets 4403 for any name outside its patterns, known or not, and an anonymous
 * client gets 4401 for any name that is not an anonymous stream — so nobody learns which private streams
 * exist by probing names. The one exception: when every configured stream is anonymous there is nothing
 * private to reveal, and an unknown name is let through to the existence check (4404, the helpful answer).
 */
export class StreamPolicyAuthorizer implements Authorizer {
  private readonly anonymousStreams: ReadonlySet<string>;
  private readonly everythingPublic: boolean;

  /** `streams`: every configured stream → whether it is anonymous. */
  constructor(
    streams: ReadonlyMap<string, boolean>,
    private readonly operatorAllowed: ReadonlySet<string> | '*',
  ) {
    this.anonymousStreams = new Set([...streams].filter(([, anonymous]) => anonymous).map(([name]) => name));
    this.everythingPublic = this.anonymousStreams.size === streams.size;
  }

  refusal(principal: Principal, stream: string): Rejection | undefined {
    if (this.operatorAllowed !== '*' && !this.operatorAllowed.has(stream)) return refused(CloseCode.StreamNotAllowed, `stream "${stream}" is not allowed`);
    const anonymous = this.anonymousStreams.has(stream) || (this.everythingPublic && principal.kind === 'anonymous');
    if (canRead(principal, stream, { anonymous })) return undefined;
    if (principal.kind === 'anonymous') return refused(CloseCode.Unauthorized, `stream "${stream}" requires credentials`);
    return refused(CloseCode.StreamNotAllowed, `stream "${stream}" is not allowed`);
  }
}

function refused(code: CloseCode, reason: string): Rejection {
  return { ok: false, code, reason };
}
