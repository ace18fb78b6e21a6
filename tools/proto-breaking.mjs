#!/usr/bin/env node
// `buf breaking` against the proto/ of the previous commit on main (or BUF_BREAKING_AGAINST, a git ref).
// The first version of the contracts has nothing to compare with; that case is reported, not failed.
import { spawnSync } from 'node:child_process';
import { root } from './stack/paths.mjs';

const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
const against = process.env.BUF_BREAKING_AGAINST ?? 'HEAD~1';

if (git('rev-parse', '--verify', '--quiet', `${against}^{commit}`).status !== 0) {
  console.log(`proto:breaking: no ${against} in this clone (first commit or shallow clone); nothing to compare with`);
  process.exit(0);
}
if (git('cat-file', '-e', `${against}:proto`).status !== 0) {
  console.log(`proto:breaking: ${against} has no proto/ yet; nothing to compare with`);
  process.exit(0);
}
const input = `.git#ref=${against}`;
console.log(`proto:breaking: buf breaking --against '${input}'`);
const result = spawnSync('buf', ['breaking', '--against', input], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
