import * as fs from 'fs';

/** The first TypeScript block of the README's "A minimal example" section: a complete app. */
export function readmeExample(readme: string): string {
  const text = fs.readFileSync(readme, 'utf8');
  const section = text.slice(text.indexOf('\n## A minimal example'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`no TypeScript example under "A minimal example" in ${readme}`);
  return block[1];
}
