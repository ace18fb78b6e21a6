// Local Redis from the Debian package `redis-server`, on loopback, data in .stack/redis (no persistence:
// it is a dev/test stack). An already answering REDIS_URL is reused instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { root, stackDir } from './paths.mjs';
import { isAlive, readPid, StackError, stopPid, waitFor, which } from './process.mjs';

const redisDir = path.join(stackDir, 'redis');
const pidFile = path.join(redisDir, 'redis.pid');
const logFile = path.join(redisDir, 'redis.log');

export const defaultRedisUrl = 'redis://127.0.0.1:6379';

export function redisUrlFromEnv() {
  return process.env.REDIS_URL ?? defaultRedisUrl;
}

export async function redisAnswers(url, timeoutMs = 1_000) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function ensureRedisServer(log) {
  let binary = which('redis-server');
  if (binary) return binary;
  const canInstall = process.getuid?.() === 0 && which('apt-get');
  if (!canInstall) {
    throw new StackError('redis-server not found: install the Debian package (apt-get install redis-server) or point REDIS_URL at a running Redis.');
  }
  log('stack: redis-server missing; installing the Debian package redis-server…');
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    if (install().status !== 0) throw new StackError('apt-get install redis-server failed; see its output above.');
  }
  binary = which('redis-server');
  if (!binary) throw new StackError('redis-server still not found after installing the Debian package.');
  return binary;
}

export async function redisUp(log = console.log) {
  const url = redisUrlFromEnv();
  if (await redisAnswers(url)) return { started: false, url, note: `Redis answering at ${url} (reused)` };
  const parsed = new URL(url);
  if (!['127.0.0.1', 'localhost'].includes(parsed.hostname)) {
    throw new StackError(`REDIS_URL=${url} does not answer, and the local stack only starts Redis on 127.0.0.1.`);
  }
  const port = Number(parsed.port || 6379);
  mkdirSync(redisDir, { recursive: true });
  if (!isAlive(readPid(pidFile))) {
    const binary = ensureRedisServer(log);
    log(`stack: starting redis-server on 127.0.0.1:${port}…`);
    const result = spawnSync(
      binary,
      ['--bind', '127.0.0.1', '--port', String(port), '--daemonize', 'yes', '--pidfile', pidFile, '--dir', redisDir, '--logfile', logFile, '--save', '', '--appendonly', 'no'],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new StackError(`redis-server failed to start: ${result.stderr || result.stdout}`);
  }
  const ready = await waitFor(() => redisAnswers(url), 20_000, 200);
  if (!ready) throw new StackError(`Redis did not answer at ${url} within 20 s (log: ${path.relative(root, logFile)}).`);
  return { started: true, url, note: `Redis started on 127.0.0.1:${port} (pid ${readPid(pidFile)}, log ${path.relative(root, logFile)})` };
}

export async function redisDown() {
  return stopPid(pidFile, 10_000);
}

export function redisStatus() {
  const pid = readPid(pidFile);
  return { pid: isAlive(pid) ? pid : undefined, logFile };
}
