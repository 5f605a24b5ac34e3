/**
 * Each Lambda bundle as the package ships it (`dist/assets/handlers/<step>/index.js`, built by
 * `npm run build:handlers` when stale: minified, node22, SDK v3 external), and its cold import
 * time: `require` of the bundle in a fresh Node process, timed inside the child with
 * process.hrtime (node startup excluded). The external SDK clients are resolved from this
 * repository's node_modules, as the runtime would load its own.
 *
 * The floor of each bundle: `require` of exactly the SDK packages that bundle requires (read from
 * the bundle itself: its `require("...")` of packages the bundle options leave external), and one
 * client of each constructed (what any step that calls AWS with that client does before its first
 * call; the bundles construct theirs at load), in one fresh process, timed the same way. Bundle and
 * floor runs alternate, so drift hits both alike; both run with AWS_REGION set, as in Lambda.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HANDLER_BUNDLE_OPTIONS } from '../../scripts/handlers/bundle-options';
import { ensureHandlerBundles } from '../../scripts/handlers/ensure';
import { BUNDLES_DIR } from '../../scripts/handlers/layout';
import { median } from './figures';

export interface BundleFigure {
  readonly step: string;
  readonly bytes: number;
  readonly importMs: number;
  readonly importRunsMs: readonly number[];
  /** The external SDK packages the bundle requires, sorted. */
  readonly sdkPackages: readonly string[];
  /** Median time to require exactly `sdkPackages` and construct one client of each, in a fresh process. */
  readonly sdkImportMs: number;
  readonly sdkImportRunsMs: readonly number[];
}

const REPO = path.join(__dirname, '..', '..');

export function releaseSteps(): string[] {
  const root = path.join(REPO, 'lambda');
  return fs
    .readdirSync(root)
    .filter((d) => fs.existsSync(path.join(root, d, 'index.ts')))
    .sort();
}

const CHILD = `const t=process.hrtime.bigint();for(const m of process.argv.slice(1))require(m);const d=process.hrtime.bigint()-t;process.stdout.write(String(Number(d)/1e6));`;

/** The same, constructing each package's client class (`*Client`) after requiring it. */
const CHILD_WITH_CLIENTS = `const t=process.hrtime.bigint();for(const m of process.argv.slice(1)){const x=require(m);const c=Object.keys(x).find(k=>/^[A-Z][A-Za-z0-9]*Client$/.test(k)&&typeof x[k]==='function');if(c)new x[c]({});}const d=process.hrtime.bigint()-t;process.stdout.write(String(Number(d)/1e6));`;

/** `require` of every target (files or package names) in one fresh process, ms. */
function timeImportOnce(targets: readonly string[], child = CHILD): number {
  const out = execFileSync(process.execPath, ['-e', child, ...targets], {
    cwd: REPO,
    env: {
      ...process.env,
      NODE_PATH: path.join(REPO, 'node_modules'),
      NODE_OPTIONS: '',
      NODE_NO_WARNINGS: '1',
      AWS_REGION: 'us-east-1',
    },
    encoding: 'utf8',
  });
  return Number(out);
}

/** Whether a module name matches one of esbuild's `external` patterns (`*` a wildcard). */
function isExternal(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`).test(name));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The packages a bundle loads from outside itself: every `require("...")` in its code whose name
 * matches the bundle options' `external` patterns (the SDK v3 packages), sorted.
 */
export function externalPackagesOf(
  bundleCode: string,
  patterns: readonly string[] = HANDLER_BUNDLE_OPTIONS.external ?? [],
): string[] {
  const names = new Set<string>();
  for (const match of bundleCode.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) {
    if (isExternal(match[1], patterns)) names.add(match[1]);
  }
  return [...names].sort();
}

/** The SDK core every client loads, alone (printed for reference). */
export function measureSdkCore(runs = 5): number {
  return median(Array.from({ length: runs }, () => timeImportOnce(['@aws-sdk/core'])));
}

export async function measureBundles(runs = 5): Promise<BundleFigure[]> {
  const { manifest } = ensureHandlerBundles();
  return releaseSteps().map((step) => {
    const file = path.join(BUNDLES_DIR, step, 'index.js');
    const sdkPackages = externalPackagesOf(fs.readFileSync(file, 'utf8'));
    const importRunsMs: number[] = [];
    const sdkImportRunsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      importRunsMs.push(timeImportOnce([file]));
      sdkImportRunsMs.push(sdkPackages.length > 0 ? timeImportOnce(sdkPackages, CHILD_WITH_CLIENTS) : 0);
    }
    return {
      step,
      bytes: manifest.bundles[step].bytes,
      importMs: median(importRunsMs),
      importRunsMs,
      sdkPackages,
      sdkImportMs: median(sdkImportRunsMs),
      sdkImportRunsMs,
    };
  });
}
