/**
 * The synthesized stacks `--rehearse` can rehearse: the stacks of a cloud assembly (`cdk.out`,
 * as `cdk synth` writes it: `manifest.json` names each stack's template file, nested assemblies
 * of stages included), or one template file. Only reads files; every way of not finding a
 * template is a UsageError naming the flag and the value.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CfnTemplate } from '../rehearsal/template';
import { UsageError } from './errors';

/** One synthesized stack. */
export interface SynthesizedStack {
  /** The stack's name (what `--stack` names and `AWS::StackName` resolves to). */
  readonly stackName: string;
  /** The template file. */
  readonly file: string;
  /** Reads and parses the template (only the stacks a command needs are read). */
  readonly template: () => CfnTemplate;
}

/** The flag that names the assembly, for messages. */
const FLAG = '--rehearse-template';

/** The cloud assembly folder, or the one template file, that `source` names. */
export function synthesizedStacks(source: string): SynthesizedStack[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new UsageError(
      `${FLAG} (${source}) does not exist: run \`npx cdk synth\` first, or name a cdk.out folder or a template file`,
    );
  }
  if (!stat.isDirectory()) return [stackFromFile(source, stackNameOf(source))];
  const stacks = stacksOfAssembly(source);
  if (stacks.length === 0) {
    throw new UsageError(`${FLAG} (${source}) holds no stack template: is it a cloud assembly (cdk.out)?`);
  }
  return stacks;
}

/** The stacks named `--stack` (all of them when it is not given); none named so is a UsageError. */
export function stacksNamed(stacks: readonly SynthesizedStack[], stack: string | undefined, source: string) {
  if (stack === undefined) return [...stacks];
  const named = stacks.filter((s) => s.stackName === stack);
  if (named.length === 0) {
    throw new UsageError(
      `--stack (${stack}) is not a stack of ${source}: ${stacks.map((s) => s.stackName).join(', ')}`,
    );
  }
  return named;
}

/** `cdk.out/Shop.template.json` was synthesized from stack `Shop`. */
export function stackNameOf(file: string): string {
  return path
    .basename(file)
    .replace(/\.template\.json$/, '')
    .replace(/\.json$/, '');
}

interface AssemblyManifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type?: string;
      readonly displayName?: string;
      readonly properties?: {
        readonly templateFile?: string;
        readonly stackName?: string;
        readonly directoryName?: string;
      };
    }
  >;
}

/** Every stack of the assembly in `dir` and of the assemblies nested in it (CDK stages). */
function stacksOfAssembly(dir: string): SynthesizedStack[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    // A folder of templates without a manifest: each `<Stack>.template.json` is a stack.
    return fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.template.json'))
      .sort()
      .map((name) => stackFromFile(path.join(dir, name), stackNameOf(name)));
  }
  const manifest = readJson<AssemblyManifest>(manifestFile);
  const stacks: SynthesizedStack[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const properties = artifact.properties ?? {};
    if (artifact.type === 'aws:cloudformation:stack' && properties.templateFile) {
      stacks.push(stackFromFile(path.join(dir, properties.templateFile), properties.stackName ?? id));
    } else if (artifact.type === 'cdk:cloud-assembly' && properties.directoryName) {
      stacks.push(...stacksOfAssembly(path.join(dir, properties.directoryName)));
    }
  }
  return stacks;
}

function stackFromFile(file: string, stackName: string): SynthesizedStack {
  return { stackName, file, template: () => readJson<CfnTemplate>(file) };
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new UsageError(`${FLAG} (${file}): ${(error as Error).message}`);
  }
}
