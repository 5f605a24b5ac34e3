import * as path from 'path';
import * as ts from 'typescript';

/** The declaration files of a program's entry point and everything it reaches, kept in memory. */
export interface DeclarationProgram {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** The entry point's declaration file. */
  readonly entry: ts.SourceFile;
  /** Whether a file is one of this package's declaration files (not a dependency's). */
  isOwnFile(file: ts.SourceFile): boolean;
}

function compilerOptions(tsconfig: string): ts.CompilerOptions {
  const { config } = ts.readConfigFile(tsconfig, (file) => ts.sys.readFile(file));
  return ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfig)).options;
}

/**
 * Compiles `entry` (a `.ts` file) to declaration files in memory, as the package ships them,
 * and opens a program over those: every inferred type is written out and private members carry
 * no type, so what is walked is what a consumer sees.
 */
export function declarationProgram(entry: string, tsconfig: string): DeclarationProgram {
  const options = compilerOptions(tsconfig);
  const outDir = options.outDir ?? path.join(path.dirname(tsconfig), 'dist');
  const emitted = new Map<string, string>();
  const source = ts.createProgram([entry], { ...options, declaration: true, noEmit: false });
  const result = source.emit(
    undefined,
    (file, text) => emitted.set(path.resolve(file), text),
    undefined,
    true,
  );
  if (result.emitSkipped) throw new Error(`declarations of ${entry} were not emitted`);

  const rootDir = options.rootDir ?? path.dirname(tsconfig);
  const entryDts = path.resolve(outDir, path.relative(rootDir, entry).replace(/\.ts$/, '.d.ts'));
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => emitted.get(path.resolve(file)) ?? readFile(file);
  host.fileExists = (file) => emitted.has(path.resolve(file)) || fileExists(file);
  // Module resolution asks whether a folder exists before it looks inside: on a clean checkout
  // the output folders exist only in memory.
  const emittedDirs = new Set<string>();
  for (const file of emitted.keys()) {
    for (
      let dir = path.dirname(file);
      !emittedDirs.has(dir) && dir !== path.dirname(dir);
      dir = path.dirname(dir)
    ) {
      emittedDirs.add(dir);
    }
  }
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (dir) => emittedDirs.has(path.resolve(dir)) || (directoryExists?.(dir) ?? true);
  const program = ts.createProgram([entryDts], { ...options, noEmit: true }, host);
  const entryFile = program.getSourceFile(entryDts);
  if (!entryFile) throw new Error(`no declaration file for ${entry}`);
  return {
    program,
    checker: program.getTypeChecker(),
    entry: entryFile,
    isOwnFile: (file) => emitted.has(path.resolve(file.fileName)),
  };
}
