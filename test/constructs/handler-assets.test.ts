import { HANDLER_METADATA_KEY } from '../../lib/contract/instance-validation';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileSystem } from 'aws-cdk-lib';
import { buildHandlerBundles } from '../../scripts/handlers/build';
import { bundlesAreFresh, ensureHandlerBundles } from '../../scripts/handlers/ensure';
import { handlerNames, REPO_ROOT } from '../../scripts/handlers/layout';
import { MANIFEST_FILE } from '../../scripts/handlers/manifest';
import { handlerAssetDir } from '../../lib/handler-assets';
import { STEP_METADATA_KEY } from '../../lib/workflow/step-function';
import { resourcesOf, synthService } from './helpers';

function temporaryDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handler-bundles-'));
}

function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = fs.readFileSync(file, 'utf8');
  }
  return files;
}

describe('prebuilt handler bundles', () => {
  test('GIVEN a service with validation THEN each function runs the prebuilt bundle of its handler, hashed as shipped', () => {
    const { template } = synthService({ validation: {} });
    const functions = resourcesOf(template, 'AWS::Lambda::Function') as [
      string,
      { Properties: { Code: { S3Key: unknown }; Description?: string }; Metadata?: Record<string, string> },
    ][];
    const handlerOf = (fn: (typeof functions)[number][1]): string | undefined =>
      fn.Metadata?.[STEP_METADATA_KEY] ??
      fn.Metadata?.[HANDLER_METADATA_KEY] ??
      (fn.Properties.Description?.startsWith('Publish each status') ? 'notify' : undefined);
    const ours = functions.filter(([, fn]) => handlerOf(fn) !== undefined);

    expect(ours.map(([, fn]) => handlerOf(fn)).sort()).toEqual(handlerNames());
    for (const [, fn] of ours) {
      const dir = handlerAssetDir(handlerOf(fn)!);
      expect(fs.readdirSync(dir)).toEqual(['index.js']);
      expect(fn.Properties.Code.S3Key).toBe(`${FileSystem.fingerprint(dir)}.zip`);
    }
  });

  test('GIVEN the same sources WHEN bundled twice in different folders THEN the bytes are the same and name no path', () => {
    const [first, second] = [temporaryDir(), temporaryDir()];
    try {
      const manifests = [buildHandlerBundles(first), buildHandlerBundles(second)];

      expect(manifests[0]).toEqual(manifests[1]);
      const [a, b] = [filesUnder(first), filesUnder(second)];
      expect(a).toEqual(b);
      expect(Object.keys(a).sort()).toEqual(
        [MANIFEST_FILE, ...handlerNames().map((name) => path.join(name, 'index.js'))].sort(),
      );
      for (const text of Object.values(a)) {
        expect(text).not.toContain(REPO_ROOT);
        expect(text).not.toContain(first);
        expect(text).not.toMatch(/20\d\d-\d\d-\d\dT/); // no timestamp
      }
    } finally {
      for (const dir of [first, second]) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN missing or stale bundles THEN they are built once, then found fresh', () => {
    const dir = temporaryDir();
    try {
      expect(bundlesAreFresh(dir)).toBe(false);
      expect(ensureHandlerBundles(dir).built).toBe(true);
      expect(ensureHandlerBundles(dir).built).toBe(false);

      const manifestFile = path.join(dir, MANIFEST_FILE);
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, fingerprint: 'stale' }));
      expect(bundlesAreFresh(dir)).toBe(false);
      expect(ensureHandlerBundles(dir).built).toBe(true);

      fs.rmSync(path.join(dir, 'swap'), { recursive: true });
      expect(bundlesAreFresh(dir)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN the repository THEN the bundles the constructs use are fresh', () => {
    expect(bundlesAreFresh()).toBe(true);
  });
});
