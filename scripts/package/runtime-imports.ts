import { builtinModules } from 'module';
import * as path from 'path';
import { loadEsbuild } from '../handlers/build';
import { REPO_ROOT } from '../handlers/layout';

/** The package a module specifier names: `@scope/name` or `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(packageName(specifier));
}

/**
 * The packages a module loads at run time, itself and everything it imports from this
 * repository (`import`, `require` and `import()` alike), sorted, Node built-ins left out. Local
 * modules matching `skip` are not followed: what is loaded only on a path this entry point does
 * not take, e.g. the build tooling of the repository's own sources.
 */
export async function runtimePackages(entry: string, skip?: RegExp): Promise<string[]> {
  const result = await loadEsbuild().build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.resolve(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    packages: 'external',
    write: false,
    metafile: true,
    outdir: path.join(REPO_ROOT, 'dist', 'runtime-imports'),
    logLevel: 'silent',
    plugins: skip
      ? [
          {
            name: 'skip',
            setup(build) {
              build.onResolve({ filter: skip }, (args) => ({ path: args.path, external: true }));
            },
          },
        ]
      : [],
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      const local = imported.path.startsWith('.') || path.isAbsolute(imported.path);
      if (imported.external && !local && !isBuiltin(imported.path)) packages.add(packageName(imported.path));
    }
  }
  return [...packages].sort();
}
