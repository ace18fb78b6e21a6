// Finding a WebSocket constructor and fetch. Browser-safe: the `ws` fallback is a dynamic import behind
// a variable specifier, which bundlers leave alone and browsers never reach (they have WebSocket).
import type { WebSocketConstructor } from './websocket';
import type { FetchLike } from './sse';

/** The module that provides WebSocket on Node < 22 (an optional peer dependency of the package). */
const WS_MODULE = 'ws';

/** The `WebSocket` option, else the global one (browsers, Node 22+), else the `ws` package if installed. */
export async function resolveWebSocket(option: WebSocketConstructor | undefined): Promise<WebSocketConstructor | undefined> {
  if (option) return option;
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof global === 'function') return global as WebSocketConstructor;
  try {
    const module = (await import(/* webpackIgnore: true */ /* @vite-ignore */ WS_MODULE)) as { default?: unknown; WebSocket?: unknown };
    const constructor = module.WebSocket ?? module.default;
    return typeof constructor === 'function' ? (constructor as WebSocketConstructor) : undefined;
  } catch {
    return undefined;
  }
}

export function resolveFetch(option: FetchLike | undefined): FetchLike | undefined {
  if (option) return option;
  const global = (globalThis as { fetch?: unknown }).fetch;
  return typeof global === 'function' ? (global.bind(globalThis) as FetchLike) : undefined;
}

/** Browsers cannot put credentials in WebSocket / EventSource headers, and fetch headers cost a CORS preflight. */
export function inBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}
