// Small process helpers for the stack scripts: pid files, liveness, polite stop, waiting with a deadline.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export function readPid(file) {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function writePid(file, pid) {
  writeFileSync(file, `${pid}\n`);
}

export function isAlive(pid) {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Returns true when something was stopped. */
export async function stopPid(pidFile, graceMs = 30_000) {
  const pid = readPid(pidFile);
  if (!isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const stopped = await waitFor(() => !isAlive(pid), graceMs, 100);
  if (!stopped) process.kill(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 5_000, 50);
  rmSync(pidFile, { force: true });
  return true;
}

/** Polls `check` until it returns truthy or the deadline passes. Returns the last result. */
export async function waitFor(check, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The path of an executable on PATH (or in the usual system folders), or undefined. */
export function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command} || ls /usr/sbin/${command} /usr/local/sbin/${command} 2>/dev/null`], {
    encoding: 'utf8',
  });
  const found = result.stdout.split('\n').find((line) => line.trim().length > 0);
  return found?.trim();
}

export class StackError extends Error {}
