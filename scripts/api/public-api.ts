import * as ts from 'typescript';
import { DeclarationProgram } from './declarations';

/** One problem with the public API: what it concerns and why. */
export interface ApiProblem {
  /** The export or member, e.g. `BlueGreenServiceProps.vpc`. */
  readonly name: string;
  readonly problem: 'undocumented' | 'not exported' | 'no @default' | 'not readonly';
  /** For `not exported`: the public declaration whose signature uses it. */
  readonly usedBy?: string;
}

function hasDescription(node: ts.Node): boolean {
  return ts
    .getJSDocCommentsAndTags(node)
    .some((doc) => ts.isJSDoc(doc) && (ts.getTextOfJSDocComment(doc.comment) ?? '').trim() !== '');
}

function hasDefaultTag(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'default');
}

function isPrivate(member: ts.Node): boolean {
  const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) : undefined;
  const named = member as { name?: ts.Node };
  return (
    (modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword) ||
    (named.name !== undefined && ts.isPrivateIdentifier(named.name))
  );
}

function isReadonly(member: ts.Node): boolean {
  const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) : undefined;
  return (modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword);
}

function memberName(member: ts.Node): string {
  const named = member as { name?: ts.PropertyName };
  if (ts.isConstructorDeclaration(member)) return 'constructor';
  return named.name && (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name))
    ? named.name.text
    : '?';
}

/** The members a consumer can reach on a declaration: class, interface, enum or object type. */
function publicMembers(declaration: ts.Node): readonly ts.Node[] {
  const members =
    ts.isClassDeclaration(declaration) ||
    ts.isInterfaceDeclaration(declaration) ||
    ts.isEnumDeclaration(declaration)
      ? declaration.members
      : ts.isTypeAliasDeclaration(declaration) && ts.isTypeLiteralNode(declaration.type)
        ? declaration.type.members
        : [];
  return members.filter((member) => !isPrivate(member) && !ts.isConstructorDeclaration(member));
}

/**
 * Problems of an entry point's public API, from its declaration files: an export or a public
 * member without a description; an optional interface property without `@default`, or one that
 * is not readonly; a type of this package used in a public signature but not exported from the
 * entry point (a consumer could not name it).
 */
export function publicApiProblems(api: DeclarationProgram): ApiProblem[] {
  const { checker } = api;
  const resolve = (symbol: ts.Symbol): ts.Symbol =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const moduleSymbol = checker.getSymbolAtLocation(api.entry);
  if (!moduleSymbol) throw new Error('the entry point is not a module');
  const exported = new Set(checker.getExportsOfModule(moduleSymbol).map(resolve));
  const problems: ApiProblem[] = [];
  const seen = new Set<string>();
  const add = (problem: ApiProblem): void => {
    const key = `${problem.name}|${problem.problem}`;
    if (!seen.has(key)) problems.push(problem);
    seen.add(key);
  };

  const checkTypes = (node: ts.Node, usedBy: string): void => {
    const visit = (child: ts.Node): void => {
      if (ts.isBlock(child) || (ts.isPropertyDeclaration(child) && isPrivate(child))) return;
      const typeName = ts.isTypeReferenceNode(child)
        ? child.typeName
        : ts.isExpressionWithTypeArguments(child)
          ? child.expression
          : ts.isTypeQueryNode(child)
            ? child.exprName
            : undefined;
      const symbol = typeName ? checker.getSymbolAtLocation(typeName) : undefined;
      if (symbol) {
        const target = resolve(symbol);
        const own = (target.declarations ?? []).some((d) => api.isOwnFile(d.getSourceFile()));
        const typeParameter = target.flags & ts.SymbolFlags.TypeParameter;
        if (own && !typeParameter && !exported.has(target)) {
          add({ name: target.getName(), problem: 'not exported', usedBy });
        }
      }
      ts.forEachChild(child, visit);
    };
    ts.forEachChild(node, visit);
  };

  for (const symbol of [...exported].sort((a, b) => a.getName().localeCompare(b.getName()))) {
    const name = symbol.getName();
    for (const declaration of symbol.declarations ?? []) {
      if (!hasDescription(declaration)) add({ name, problem: 'undocumented' });
      checkTypes(declaration, name);
      for (const member of publicMembers(declaration)) {
        const qualified = `${name}.${memberName(member)}`;
        if (!hasDescription(member)) add({ name: qualified, problem: 'undocumented' });
        if (ts.isInterfaceDeclaration(declaration) && ts.isPropertySignature(member)) {
          if (member.questionToken && !hasDefaultTag(member))
            add({ name: qualified, problem: 'no @default' });
          if (!isReadonly(member)) add({ name: qualified, problem: 'not readonly' });
        }
      }
    }
  }
  return problems;
}

/** The names the entry point exports, sorted. */
export function exportedNames(api: DeclarationProgram): string[] {
  const moduleSymbol = api.checker.getSymbolAtLocation(api.entry);
  return (moduleSymbol ? api.checker.getExportsOfModule(moduleSymbol) : []).map((s) => s.getName()).sort();
}

/** How many exports and public members the entry point has (what the documentation check covers). */
export function publicMemberCount(api: DeclarationProgram): number {
  const { checker } = api;
  const moduleSymbol = checker.getSymbolAtLocation(api.entry);
  if (!moduleSymbol) return 0;
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s))
    .reduce((count, s) => count + 1 + (s.declarations ?? []).flatMap(publicMembers).length, 0);
}
