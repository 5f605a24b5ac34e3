/**
 * The parts of the repository and who may import whom, checked on the real import graph (read
 * with TypeScript's parser, see ./import-graph.ts):
 * - the release contract (lib/contract) imports nothing of the project: constructs, handlers, CLI
 *   and rehearsal all import it;
 * - the handlers (lambda/) import nothing from outside lambda/ but the contract;
 * - the constructs import no handler, CLI, rehearsal or example-app file;
 * - the CLI imports no handler and nothing from bin/;
 * - the rehearsal reads synthesized templates, never a construct file, and nothing from bin/; it
 *   loads the handler bundles by path (lib/handler-assets.ts says where they are).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  crossings,
  importGraph,
  moduleSpecifiers,
  type BoundaryRule,
  type ImportEdge,
  type Part,
} from './import-graph';

const ROOT = path.join(__dirname, '..', '..');
const FOLDERS = ['lib', 'lambda', 'bin', 'scripts'];

const under =
  (...prefixes: string[]) =>
  (file: string): boolean =>
    prefixes.some((prefix) => file.startsWith(prefix));

const CONTRACT: Part = { name: 'contract', matches: under('lib/contract/') };
const HANDLERS: Part = { name: 'handlers', matches: under('lambda/') };
const CLI: Part = { name: 'CLI', matches: under('lib/cli/') };
const REHEARSAL: Part = { name: 'rehearsal', matches: under('lib/rehearsal/') };
const BIN: Part = { name: 'bin', matches: under('bin/') };
/** Where the prebuilt handler bundles are: used by the constructs and by the rehearsal. */
const HANDLER_ASSETS = 'lib/handler-assets.ts';
/** Every file of lib/ that is not one of the parts above, the package entry points or the bundles' location. */
const CONSTRUCTS: Part = {
  name: 'constructs',
  matches: (file) =>
    file.startsWith('lib/') &&
    file !== HANDLER_ASSETS &&
    ![CONTRACT, CLI, REHEARSAL].some((part) => part.matches(file)) &&
    !file.startsWith('lib/entries/'),
};
const OUTSIDE_CONTRACT: Part = {
  name: 'the project outside lib/contract',
  matches: (f) => !CONTRACT.matches(f),
};
const OUTSIDE_HANDLERS: Part = {
  name: 'outside lambda/ and lib/contract',
  matches: (f) => !HANDLERS.matches(f) && !CONTRACT.matches(f),
};

const RULES: readonly BoundaryRule[] = [
  { part: CONTRACT, forbidden: [OUTSIDE_CONTRACT] },
  { part: HANDLERS, forbidden: [OUTSIDE_HANDLERS] },
  { part: CONSTRUCTS, forbidden: [HANDLERS, CLI, REHEARSAL, BIN] },
  { part: CLI, forbidden: [HANDLERS, BIN] },
  { part: REHEARSAL, forbidden: [CONSTRUCTS, BIN] },
];

describe('module boundaries, from the import graph', () => {
  const edges = importGraph(ROOT, FOLDERS);

  test('GIVEN the repository THEN the graph holds the imports each part is known to make', () => {
    const local = edges.filter((edge) => edge.local).map((edge) => `${edge.from} -> ${edge.to}`);
    expect(local).toEqual(
      expect.arrayContaining([
        'lambda/prepare/index.ts -> lib/contract/request.ts',
        'lib/release-workflow.ts -> lib/contract/environment.ts',
        'lib/cli/fleet-reader.ts -> lib/contract/fleet-health.ts',
        'lib/rehearsal/template.ts -> lib/contract/metrics.ts',
      ]),
    );
    // Every part has files, so no rule passes for want of anything to check.
    for (const rule of RULES)
      expect([rule.part.name, edges.some((e) => rule.part.matches(e.from))]).toEqual([rule.part.name, true]);
  });

  test.each(
    RULES.map((rule) => [rule.part.name, rule.forbidden.map((p) => p.name).join(', '), rule] as const),
  )('GIVEN the %s THEN they import nothing from: %s', (_part, _forbidden, rule) => {
    expect(crossings(edges, rule)).toEqual([]);
  });
});

describe('the import graph reader', () => {
  test('GIVEN every form of import THEN each module is found, type-only and dynamic ones included', () => {
    const text = [
      "import { a } from './static';",
      "import type { B } from './type-only';",
      "export { c } from './re-export';",
      "import d = require('./import-equals');",
      "const e = require('./required');",
      "const f = import('./dynamic');",
      "type G = typeof import('./import-type');",
      'const h = require(computed);',
      'const text = \'require("./inside-a-string")\';',
    ].join('\n');
    expect(moduleSpecifiers('example.ts', text)).toEqual([
      './static',
      './type-only',
      './re-export',
      './import-equals',
      './required',
      './dynamic',
      './import-type',
    ]);
  });

  test('GIVEN an import across a boundary THEN it is reported with both files and the part it reaches', () => {
    const edges: ImportEdge[] = [
      { from: 'lib/cli/fleet-reader.ts', to: 'lambda/shared/decisions.ts', specifier: '', local: true },
      { from: 'lib/cli/fleet-reader.ts', to: 'lib/contract/fleet-health.ts', specifier: '', local: true },
      { from: 'lib/contract/tags.ts', to: 'lib/release-workflow.ts', specifier: '', local: true },
      { from: 'lib/cli/fleet-reader.ts', to: 'bin/app.ts', specifier: '', local: true },
    ];
    expect(crossings(edges, RULES[3])).toEqual([
      'lib/cli/fleet-reader.ts -> lambda/shared/decisions.ts (handlers)',
      'lib/cli/fleet-reader.ts -> bin/app.ts (bin)',
    ]);
    expect(crossings(edges, RULES[0])).toEqual([
      'lib/contract/tags.ts -> lib/release-workflow.ts (the project outside lib/contract)',
    ]);
  });

  test('GIVEN a relative import that names no file THEN reading the graph fails and names it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'import-graph-'));
    try {
      fs.mkdirSync(path.join(root, 'lib'));
      fs.writeFileSync(path.join(root, 'lib', 'a.ts'), "import { b } from './missing';\n");
      expect(() => importGraph(root, ['lib'])).toThrow('lib/a.ts imports ./missing, which names no file');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
