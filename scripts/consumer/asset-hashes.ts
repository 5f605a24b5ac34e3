import * as fs from 'fs';
import * as path from 'path';
import { FileSystem } from 'aws-cdk-lib';

/** The S3 keys of every Lambda function's code in the templates of a cloud assembly. */
export function lambdaCodeKeys(cdkOut: string): string[] {
  const keys: string[] = [];
  for (const file of fs.readdirSync(cdkOut).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(cdkOut, file), 'utf8')) as {
      Resources?: Record<string, { Type: string; Properties?: { Code?: { S3Key?: unknown } } }>;
    };
    for (const resource of Object.values(template.Resources ?? {})) {
      const key = resource.Type === 'AWS::Lambda::Function' ? resource.Properties?.Code?.S3Key : undefined;
      if (typeof key === 'string') keys.push(key);
    }
  }
  return keys.sort();
}

/** The S3 key each handler bundle folder gets as an asset (`<content hash>.zip`), by handler. */
export function expectedBundleKeys(bundlesDir: string): Record<string, string> {
  const names = fs
    .readdirSync(bundlesDir)
    .filter((name) => fs.statSync(path.join(bundlesDir, name)).isDirectory());
  return Object.fromEntries(
    names.sort().map((name) => [name, `${FileSystem.fingerprint(path.join(bundlesDir, name))}.zip`]),
  );
}
