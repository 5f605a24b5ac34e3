import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stacksNamed, synthesizedStacks } from '../../lib/cli/cloud-assembly';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-assembly-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function write(file: string, content: unknown): string {
  const full = path.join(work, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content));
  return full;
}

const template = (marker: string) => ({ Resources: {}, Description: marker });

describe('the synthesized stacks --rehearse reads', () => {
  test('GIVEN a cloud assembly with a stage THEN its stacks and the nested assembly stacks, by stack name', () => {
    write('staged/Shop.template.json', template('shop'));
    write('staged/assembly-Prod/ProdShop.template.json', template('prod'));
    write('staged/manifest.json', {
      artifacts: {
        Shop: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Shop.template.json' } },
        'assembly-Prod': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod' } },
        Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
      },
    });
    write('staged/assembly-Prod/manifest.json', {
      artifacts: {
        ProdShop9C1A: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'ProdShop.template.json', stackName: 'Prod-Shop' },
        },
      },
    });
    const stacks = synthesizedStacks(path.join(work, 'staged'));
    expect(stacks.map((s) => s.stackName)).toEqual(['Shop', 'Prod-Shop']);
    expect(stacks.map((s) => (s.template() as { Description?: string }).Description)).toEqual([
      'shop',
      'prod',
    ]);
    expect(stacksNamed(stacks, 'Prod-Shop', 'staged').map((s) => s.stackName)).toEqual(['Prod-Shop']);
    expect(() => stacksNamed(stacks, 'Blog', 'staged')).toThrow(
      '--stack (Blog) is not a stack of staged: Shop, Prod-Shop',
    );
  });

  test('GIVEN a folder of templates without a manifest, or one file THEN each template is a stack named after its file', () => {
    write('plain/Blog.template.json', template('blog'));
    write('plain/notes.txt', 'not a template');
    expect(synthesizedStacks(path.join(work, 'plain')).map((s) => s.stackName)).toEqual(['Blog']);
    expect(synthesizedStacks(path.join(work, 'plain', 'Blog.template.json')).map((s) => s.stackName)).toEqual(
      ['Blog'],
    );
  });

  test('GIVEN what is not a cloud assembly THEN the refusal names the flag and the path', () => {
    fs.mkdirSync(path.join(work, 'empty'));
    const empty = path.join(work, 'empty');
    expect(() => synthesizedStacks(empty)).toThrow(
      `--rehearse-template (${empty}) holds no stack template: is it a cloud assembly (cdk.out)?`,
    );
    const broken = write('Broken.template.json', '{ not json');
    const [stack] = synthesizedStacks(broken);
    expect(() => stack.template()).toThrow(
      new RegExp(`^--rehearse-template \\(${broken.replace(/[.]/g, '\\.')}\\): `),
    );
  });
});
