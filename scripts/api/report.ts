#!/usr/bin/env node
/**
 * `npx ts-node --transpile-only scripts/api/report.ts [entry.ts ...]`: the public API problems
 * of entry points (default `lib/index.ts`), one per line; exit 1 if there is any.
 */
import * as path from 'path';
import { declarationProgram } from './declarations';
import { publicApiProblems, publicMemberCount } from './public-api';

const root = path.join(__dirname, '..', '..');
const entries = process.argv.slice(2);
let failed = false;
for (const entry of entries.length > 0 ? entries : ['lib/index.ts']) {
  const api = declarationProgram(path.resolve(root, entry), path.join(root, 'tsconfig.json'));
  const problems = publicApiProblems(api);
  console.log(`${entry}: ${publicMemberCount(api)} exports and public members, ${problems.length} problems`);
  for (const p of problems)
    console.log(`  ${p.problem.padEnd(13)} ${p.name}${p.usedBy ? ` (used by ${p.usedBy})` : ''}`);
  failed ||= problems.length > 0;
}
process.exitCode = failed ? 1 : 0;
