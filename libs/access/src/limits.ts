import { isIP } from 'node:net';

/** A rate: at most `points` events per `durationMs`. */
export interface Rate {
  readonly points: number;
  readonly durationMs: number;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `120/60s`, `20/1s`, `1000/1h`, `5/500ms`; `0/…` is refused (use a huge rate to effectively disable). */
export function parseRate(text: string): Rate | undefined {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*(ms|s|m|h)\s*$/.exec(text);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const points = Number(match[1]);
  const durationMs = Number(match[2]) * UNIT_MS[match[3] as keyof typeof UNIT_MS];
  return points >= 1 && durationMs >= 1 ? { points, durationMs } : undefined;
}

export type Take = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

/**
 * A fixed-window counter for limits local to one connection (control messages, subscriptions): the
 * connection lives on one edge process, so the count is exact without a shared store. Clock injected.
 */
export class WindowCounter {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(private readonly rate: Rate) {}

  take(nowMs: number): Take {
    if (nowMs - this.windowStartMs >= this.rate.durationMs) {
      this.windowStartMs = nowMs;
      this.used = 0;
    }
    if (this.used >= this.rate.points) return { ok: false, retryAfterMs: this.windowStartMs + this.rate.durationMs - nowMs };
    this.used++;
    return { ok: true };
  }
}

/**
 * The client's address for per-IP limits. Behind `trustedHops` proxies (an ingress, a load balancer) the
 * socket address is the last proxy's; each trusted proxy appends the address it received the request from
 * to `X-Forwarded-For`, so the client is the entry `trustedHops` from the right. Entries further left were
 * written by the client itself and are never trusted. Too few entries: the leftmost one the proxies wrote
 * does not exist, so the socket address is used (and a misconfiguration shows as one IP hitting limits).
 */
export function clientIp(socketAddress: string | undefined, forwardedFor: string | undefined, trustedHops: number): string {
  const direct = socketAddress === UNIX_SOCKET_PEER ? UNIX_SOCKET_PEER : (limitKey(normalizeIp(socketAddress ?? '')) ?? 'unknown');
  if (trustedHops <= 0 || !forwardedFor) return direct;
  const hops = forwardedFor.split(',').map((entry) => entry.trim());
  const candidate = hops.length >= trustedHops ? hops[hops.length - trustedHops] : undefined;
  return (candidate !== undefined ? limitKey(normalizeIp(candidate)) : undefined) ?? direct;
}

/**
 * The address limits count by: an IPv4 address as it is; an IPv6 address by its /64 — one subscriber or site
 * gets a whole /64 and can pick any address in it, so counting per /128 would let one client look like
 * 2^64 clients. `::1` stays itself.
 */
function limitKey(ip: string | undefined): string | undefined {
  if (ip === undefined || isIP(ip) !== 6 || ip === '::1') return ip;
  return `${expandIpv6(ip).slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (hex, lower case); `::` expanded. */
function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A trailing dotted IPv4 part (::ffff:1.2.3.4 is handled earlier; 64:ff9b::1.2.3.4 here) counts as two groups.
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length - (right.at(-1)?.includes('.') ? 1 : 0))).fill('0'), ...right];
  return groups.map((g) => g.toLowerCase());
}

/**
 * The scheme a client used to reach the edge: behind trusted proxies, what the nearest one says in
 * `X-Forwarded-Proto` (unknown when it says nothing); directly, whether the socket is TLS.
 */
export function requestScheme(encrypted: boolean, forwardedProto: string | undefined, trustedHops: number): 'http' | 'https' | undefined {
  if (trustedHops <= 0) return encrypted ? 'https' : 'http';
  const last = forwardedProto?.split(',').at(-1)?.trim().toLowerCase();
  return last === 'https' || last === 'http' ? last : undefined;
}

/** The identity of a client on a unix socket: a local process (no address; limited as one). */
export const UNIX_SOCKET_PEER = 'unix';

/**
 * The client address of a gRPC call from grpc-js `call.getPeer()`, in every form grpc-js has produced:
 * `1.2.3.4:5678` and `::1:5678` (grpc-js 1.14: IPv6 without brackets), `[::1]:5678`, `ipv4:1.2.3.4:5678` and
 * `ipv6:[::1]:5678` (older), a bare address, and `unix:/path` (a local socket). Undefined for anything else: the
 * caller refuses such a call rather than put every unknown peer into one shared bucket of limits.
 */
export function grpcPeerAddress(peer: string): string | undefined {
  const text = peer.trim().replace(/^ipv[46]:/, '');
  if (text.startsWith('unix:') || text.startsWith('unix-abstract:')) return UNIX_SOCKET_PEER;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed?.[1] !== undefined) return normalizeIp(bracketed[1]);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?$/.exec(text);
  if (v4?.[1] !== undefined) return normalizeIp(v4[1]);
  // grpc-js 1.14 writes IPv6 peers without brackets, the port after the last colon (`::1:57372`): the port
  // is always there for TCP, so it is stripped first; a bare address (no port) is taken as it is.
  const withoutPort = /^(.*):\d{1,5}$/.exec(text)?.[1];
  if (withoutPort !== undefined && isIP(withoutPort) === 6) return normalizeIp(withoutPort);
  return isIP(text) === 6 ? normalizeIp(text) : undefined;
}

function normalizeIp(value: string): string | undefined {
  const bare = value.startsWith('[') && value.includes(']') ? value.slice(1, value.indexOf(']')) : value;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const ip = mapped?.[1] ?? bare;
  return isIP(ip) ? ip.toLowerCase() : undefined;
}
