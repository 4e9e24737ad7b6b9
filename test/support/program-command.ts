// How a test starts `izvestie`: the compiled program (dist/, what bin/izvestie.js runs) when it is
// at least as new as every source file, else the sources through tsx. The compiled one starts in
// about half the time (no TypeScript loader hooks on every import), which counts in the tests that
// start the program dozens of times; a stale or missing build never runs.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../../src/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Why dist/ cannot stand for src/ (null: it can). */
export function staleBuild(root = packageRoot): string | null {
  const src = join(root, 'src');
  for (const file of sourceFiles(src)) {
    const built = join(root, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
    let builtAt: number;
    try {
      builtAt = statSync(built).mtimeMs;
    } catch {
      return `${relative(root, built)} is missing`;
    }
    if (statSync(file).mtimeMs > builtAt) return `${relative(root, file)} is newer than its build`;
  }
  return null;
}

let chosen: readonly string[] | undefined;

/**
 * The node arguments that start `izvestie` (before the command's own): the build or tsx, chosen once
 * per process. IZVESTIE_TEST_PROGRAM=tsx forces the sources.
 */
export function programArgs(): readonly string[] {
  chosen ??= process.env.IZVESTIE_TEST_PROGRAM !== 'tsx' && staleBuild() === null ? [join(packageRoot, 'dist/cli/main.js')] : ['--import', 'tsx', join(packageRoot, 'src/cli/main.ts')];
  return chosen;
}
