import * as fs from 'fs';
import * as path from 'path';
import { runtimePackages } from '../../scripts/package/runtime-imports';
import { handlerNames } from '../../scripts/handlers/layout';
import { OPTIONAL_PEERS } from '../../lib/optional-peers';

const ROOT = path.join(__dirname, '..', '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  files: string[];
};
const REQUIRED_PEERS = ['aws-cdk-lib', 'constructs'];
const optionalPeers = (...features: (keyof typeof OPTIONAL_PEERS)[]): string[] =>
  features.flatMap((feature) => Object.keys(OPTIONAL_PEERS[feature]));
/** Modules of this repository that the entry points load only on a path they do not take here. */
const BUILD_TOOLING = /scripts\/handlers\//;

describe('package boundaries', () => {
  test('GIVEN package.json THEN nothing is a dependency: aws-cdk-lib and constructs are peers, the rest optional peers', () => {
    expect(PKG.dependencies ?? {}).toEqual({});
    const optional = Object.keys(PKG.peerDependenciesMeta).filter(
      (name) => PKG.peerDependenciesMeta[name].optional,
    );
    expect(optional.sort()).toEqual([...new Set(optionalPeers('cli', 'cliDisplay', 'rehearsal'))].sort());
    expect(Object.keys(PKG.peerDependencies).sort()).toEqual([...REQUIRED_PEERS, ...optional].sort());
    for (const feature of Object.values(OPTIONAL_PEERS)) {
      for (const [name, range] of Object.entries(feature))
        expect(`${name}@${PKG.peerDependencies[name]}`).toBe(`${name}@${range}`);
    }
    for (const name of Object.keys(PKG.peerDependencies)) expect(PKG.devDependencies[name]).toBeDefined();
  });

  test('GIVEN the construct entry point THEN it loads no package but the required peers', async () => {
    expect(await runtimePackages('lib/index.ts', BUILD_TOOLING)).toEqual(REQUIRED_PEERS);
  });

  test('GIVEN the CLI against AWS THEN it loads only the required peers and the CLI optional peers', async () => {
    const packages = await runtimePackages(
      'bin/bluegreen.ts',
      /rehearsal-environment|rehearsal-templates|render\/tty/,
    );
    expect(packages.filter((name) => ![...REQUIRED_PEERS, ...optionalPeers('cli')].includes(name))).toEqual(
      [],
    );
    expect(await runtimePackages('lib/cli/render/tty.ts')).toEqual(optionalPeers('cliDisplay'));
  });

  test('GIVEN the rehearsal and the step handlers it runs THEN they load only the required peers and the rehearsal optional peers', async () => {
    const allowed = [...REQUIRED_PEERS, ...optionalPeers('rehearsal')];
    const entries = ['lib/entries/rehearsal.ts', 'lib/cli/rehearsal-environment.ts'].concat(
      handlerNames()
        .filter((name) => name !== 'notify') // runs only in Lambda, never in the rehearsal
        .map((name) => `lambda/${name}/index.ts`),
    );
    for (const entry of entries) {
      expect([
        entry,
        (await runtimePackages(entry, BUILD_TOOLING)).filter((name) => !allowed.includes(name)),
      ]).toEqual([entry, []]);
    }
  });

  test('GIVEN the subpath exports THEN each names a built entry point of lib/entries, also for node10 type resolution', () => {
    expect(Object.keys(PKG.exports).sort()).toEqual(['.', './cli', './package.json', './rehearsal']);
    for (const subpath of ['rehearsal', 'cli']) {
      const target = PKG.exports[`./${subpath}`] as { types: string; default: string };
      expect(target).toEqual({
        types: `./dist/lib/entries/${subpath}.d.ts`,
        default: `./dist/lib/entries/${subpath}.js`,
      });
      expect(fs.existsSync(path.join(ROOT, 'lib', 'entries', `${subpath}.ts`))).toBe(true);
      expect(PKG.typesVersions['*'][subpath]).toEqual([target.types.slice(2)]);
    }
  });
});
