// Where the local stack keeps its files. Everything lives in the checkout, in git-ignored folders.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const stackDir = path.join(root, '.stack');
export const cacheDir = path.join(root, '.cache');
