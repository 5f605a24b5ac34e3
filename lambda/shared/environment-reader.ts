/** Reads a function's environment: each missing or malformed variable is refused by name and value. */
export interface EnvironmentReader {
  /** A variable that must be set and non-empty. */
  text(name: string): string;
  /** A whole number of at least `min`. */
  int(name: string, min: number): number;
}

export function environmentReader(env: NodeJS.ProcessEnv): EnvironmentReader {
  const text = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  return {
    text,
    int: (name, min) => {
      const value = Number(text(name));
      if (!Number.isInteger(value) || value < min) {
        throw new Error(`environment variable ${name} (${env[name]}) must be a whole number >= ${min}`);
      }
      return value;
    },
  };
}
