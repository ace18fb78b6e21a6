// The local stack: Kafka (KRaft) + Redis on loopback. `up` is idempotent and safe to call from several
// processes at once (a lock file serialises them); `down` stops only what this checkout started.
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { kafkaDown, kafkaStatus, kafkaUp } from './kafka.mjs';
import { redisDown, redisStatus, redisUp } from './redis.mjs';
import { stackDir } from './paths.mjs';
import { waitFor } from './process.mjs';

const lockFile = path.join(stackDir, 'stack.lock');

async function withLock(fn) {
  mkdirSync(stackDir, { recursive: true });
  const acquired = await waitFor(
    () => {
      try {
        closeSync(openSync(lockFile, 'wx'));
        return true;
      } catch {
        // A lock older than 5 minutes belongs to a process that died mid-start.
        try {
          if (Date.now() - statSync(lockFile).mtimeMs > 300_000) rmSync(lockFile, { force: true });
        } catch {
          /* lock vanished between the two calls: try again */
        }
        return false;
      }
    },
    300_000,
    200,
  );
  if (!acquired) throw new Error(`stack: could not take ${lockFile} within 5 minutes`);
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** Brings Kafka and Redis up (or reuses what answers). Returns { kafka, redis } with started flags and notes. */
export function stackUp(log = console.log) {
  return withLock(async () => {
    const [redis, kafka] = await Promise.all([redisUp(log), kafkaUp(log)]);
    return { kafka, redis };
  });
}

export function stackDown() {
  return withLock(async () => {
    const [kafka, redis] = await Promise.all([kafkaDown(), redisDown()]);
    return { kafka, redis };
  });
}

export function stackStatus() {
  return { kafka: kafkaStatus(), redis: redisStatus() };
}
