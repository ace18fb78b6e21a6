import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** The compiled entry point of an app (`npm test` builds first; `npm run build` does it by hand). */
export function serviceEntry(app: string): string {
  const entry = path.join(root, 'dist/apps', app, 'src/main.js');
  if (!existsSync(entry)) throw new Error(`${path.relative(root, entry)} is missing: run \`npm run build\` first (npm test does)`);
  return entry;
}

/** Ports this process handed out: the system readily gives a just-closed port again to the next bind(0). */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await anyFreePort();
    // Two calls in a row (an HTTP and a gRPC port) must never get the same port.
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port that was not already handed out');
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningService {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process ended. */
  readonly exited: Promise<number | string>;
}

/** Starts a compiled service as a real process on a free port. */
export async function startService(app: string, env: Record<string, string> = {}): Promise<RunningService> {
  const requestedPort = env['HTTP_PORT'];
  const port = requestedPort === undefined ? await freePort() : Number(requestedPort);
  let output = '';
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', serviceEntry(app)], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Polls `url` until it answers with `status` (or the deadline passes, which throws with the service output). */
export async function waitForStatus(service: RunningService, pathname: string, status: number, timeoutMs = 60_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  let exitedEarly = false;
  void service.exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline && !exitedEarly) {
    try {
      const response = await fetch(`${service.url}${pathname}`);
      const body = await response.json();
      if (response.status === status) return body;
      last = `${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${pathname} did not answer ${status} (last: ${last}); service output:\n${service.output()}`);
}

/**
 * Test teardown: SIGKILLs every service still running (resuming stopped ones first, so none lingers) and
 * stops every reader; empties both lists.
 */
export async function cleanUp(services: RunningService[], readers: Array<{ stop(): Promise<void> }> = []): Promise<void> {
  for (const service of services.splice(0)) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGCONT');
      service.child.kill('SIGKILL');
      await service.exited;
    }
  }
  await Promise.all(readers.splice(0).map((r) => r.stop()));
}
