import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// src/paths.ts and dist/paths.js both sit one level below the package root.
export const packageRoot = fileURLToPath(new URL('../', import.meta.url));
export const migrationsDir = join(packageRoot, 'migrations');
