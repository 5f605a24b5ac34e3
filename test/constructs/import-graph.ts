/**
 * The import graph of the repository's own TypeScript, read with TypeScript's parser: every
 * `import`, `export ... from`, `import x = require()`, `require('...')`, `import('...')` and
 * `typeof import('...')` whose module is a string literal. Type-only imports count: they tie a
 * part's declarations to another part as much as a value import does. A `require` of a computed
 * path (the rehearsal loading a handler bundle) names no module and is no edge.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** One import of one file: both paths relative to the root, with `/` separators. */
export interface ImportEdge {
  readonly from: string;
  /** The imported file, or the specifier itself for a package (`aws-cdk-lib`, `fs`). */
  readonly to: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** False for a package or a Node.js built-in. */
  readonly local: boolean;
}

/** Every `.ts` file under the given folders of `root`, `node_modules` and declarations excluded. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  for (const folder of folders) {
    const dir = path.join(root, folder);
    if (fs.existsSync(dir)) walk(dir);
  }
  return files.sort();
}

/** The module specifiers a source text names, in order of appearance. */
export function moduleSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      literal(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      literal(node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      literal(node.argument.literal);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length >= 1 &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The file a relative specifier names, as Node.js and TypeScript resolve it here. */
function resolveLocal(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, path.join(base, 'index.ts')];
  if (base.endsWith('.js')) candidates.push(`${base.slice(0, -3)}.ts`);
  return candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

/** The imports of every `.ts` file under `folders`. A relative import that names no file throws. */
export function importGraph(root: string, folders: readonly string[]): ImportEdge[] {
  const relative = (file: string): string => path.relative(root, file).split(path.sep).join('/');
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root, folders)) {
    for (const specifier of moduleSpecifiers(file, fs.readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        edges.push({ from: relative(file), to: specifier, specifier, local: false });
        continue;
      }
      const target = resolveLocal(file, specifier);
      if (!target) throw new Error(`${relative(file)} imports ${specifier}, which names no file`);
      edges.push({ from: relative(file), to: relative(target), specifier, local: true });
    }
  }
  return edges;
}

/** A part of the repository: the files whose path (relative to the root) it matches. */
export interface Part {
  readonly name: string;
  readonly matches: (file: string) => boolean;
}

/** A boundary: files of `part` must import no file of the `forbidden` parts. */
export interface BoundaryRule {
  readonly part: Part;
  readonly forbidden: readonly Part[];
}

/** The imports that cross a rule's boundary, as `from -> to (part)` lines. */
export function crossings(edges: readonly ImportEdge[], rule: BoundaryRule): string[] {
  return edges
    .filter((edge) => edge.local && rule.part.matches(edge.from))
    .flatMap((edge) =>
      rule.forbidden
        .filter((part) => part.matches(edge.to))
        .map((part) => `${edge.from} -> ${edge.to} (${part.name})`),
    );
}
