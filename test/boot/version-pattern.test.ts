/**
 * boot.sh repeats two patterns in bash; these tests prove the bash checks (run by sourcing the real
 * script) and the TypeScript regexes accept and refuse exactly the same strings.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HEALTH_PATH_PATTERN } from '../../lib/boot/user-data';
import { VERSION_PATTERN, VERSION_PATTERN_SOURCE } from '../../lib/contract/version';
import { BOOT_SCRIPT } from './harness';

/**
 * Runs a validation function of boot.sh on each value; true where it accepts. The script is
 * sourced ($0 is not the script, so its main does not run); BLUEGREEN_ROOT points at a temp dir
 * all the same, so that a regression in the guard could not write to the real /.
 */
function bashAccepts(functionName: string, values: readonly string[]): boolean[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bluegreen-pattern-'));
  const script = `source "$1"; shift; for value in "$@"; do if ${functionName} "$value"; then printf 1; else printf 0; fi; done`;
  // A UTF-8 locale in the caller: boot.sh must still compare ASCII ranges byte-wise.
  const output = execFileSync('bash', ['-c', script, 'bash', BOOT_SCRIPT, ...values], {
    env: { PATH: '/usr/bin:/bin', HOME: root, BLUEGREEN_ROOT: root, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  // sourcing alone writes nothing
  expect(fs.readdirSync(root)).toEqual([]);
  fs.rmSync(root, { recursive: true, force: true });
  expect(output).toHaveLength(values.length);
  return [...output].map((flag) => flag === '1');
}

/** Deterministic pseudo-random strings over an alphabet of edge characters. */
function randomStrings(count: number, alphabet: readonly string[], maxLength: number): string[] {
  let seed = 20240601;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: count }, () =>
    Array.from(
      { length: Math.floor(next() * (maxLength + 1)) },
      () => alphabet[Math.floor(next() * alphabet.length)],
    ).join(''),
  );
}

describe('version pattern: boot.sh and lib/contract/version.ts agree', () => {
  const cases: Array<[string, boolean]> = [
    ['v1', true],
    ['1', true],
    ['v1.2.3', true],
    ['release-42', true],
    ['2024.06.01_rc-1', true],
    ['None', true],
    ['A'.repeat(64), true],
    ['A'.repeat(65), false],
    ['a'.repeat(300), false],
    ['', false],
    ['.hidden', false],
    ['-rf', false],
    ['_x', false],
    ['../../etc', false],
    ['v1/../x', false],
    ['v1; rm -rf /', false],
    ['$(id)', false],
    ['`id`', false],
    ['v1$(id)', false],
    ['v1 2', false],
    ['v1\n', false],
    ['v1\nv2', false],
    ['\nv1', false],
    ['v1\t', false],
    ['v1\r', false],
    ['v1*', false],
    ['v1?', false],
    ['v[1]', false],
    ['v1"', false],
    ["v1'", false],
    ['v1\\', false],
    ['v1+build', false],
    ['v1:2', false],
    ['v1,2', false],
    ['é1', false],
    ['v1é', false],
    ['１', false],
    ['v1\u00a0', false],
  ];

  test('the bash pattern is the TypeScript pattern, character for character', () => {
    const line = fs
      .readFileSync(BOOT_SCRIPT, 'utf8')
      .split('\n')
      .find((text) => text.startsWith('VERSION_PATTERN='));
    expect(line).toBe(`VERSION_PATTERN='${VERSION_PATTERN_SOURCE}'`);
  });

  test('both give the expected answer for each listed string', () => {
    const values = cases.map(([value]) => value);
    const expected = cases.map(([, accepted]) => accepted);
    expect(values.map((value) => VERSION_PATTERN.test(value))).toEqual(expected);
    expect(bashAccepts('is_valid_version', values)).toEqual(expected);
  });

  test('both agree on 2000 generated strings', () => {
    const allowed = ['a', 'Z', '0', '9', '.', '_', '-'];
    const refused = [' ', '/', '$', '`', ';', '\n', "'", '"', 'é', '+', '(', '\t'];
    // half over every character, half mostly allowed ones (so that many are accepted)
    const values = [
      ...randomStrings(1000, [...allowed, ...refused], 70),
      ...randomStrings(1000, [...allowed, ...allowed, ...allowed, ...allowed, ' ', '\n'], 70),
    ];
    const typescript = values.map((value) => VERSION_PATTERN.test(value));
    expect(bashAccepts('is_valid_version', values)).toEqual(typescript);
    // the sample exercises both answers
    expect(typescript.filter(Boolean).length).toBeGreaterThan(20);
    expect(typescript.filter((accepted) => !accepted).length).toBeGreaterThan(20);
  });
});

describe('health path pattern: boot.sh and user-data.ts agree', () => {
  const cases: Array<[string, boolean]> = [
    ['/', true],
    ['/health', true],
    ['/api/v1/health-check.json', true],
    ['/a;b=c,d&e(f)!g@h:i+j%20~k_l', true],
    [`/${'a'.repeat(1023)}`, true],
    [`/${'a'.repeat(1024)}`, false],
    ['', false],
    ['health', false],
    ["/it's", false],
    ['/"q"', false],
    ['/$(id)', false],
    ['/`id`', false],
    ['/a b', false],
    ['/a\n', false],
    ['/a\\b', false],
    ['/a?b=1', false],
    ['/a#b', false],
    ['/é', false],
  ];

  test('both give the expected answer for each listed string', () => {
    const values = cases.map(([value]) => value);
    const expected = cases.map(([, accepted]) => accepted);
    expect(values.map((value) => HEALTH_PATH_PATTERN.test(value))).toEqual(expected);
    expect(bashAccepts('is_valid_health_path', values)).toEqual(expected);
  });

  test('both agree on 1000 generated strings', () => {
    const alphabet = ['/', 'a', '0', '.', '-', '&', ';', '%', "'", '"', '$', ' ', '\n', '?', '\\', 'é'];
    const values = randomStrings(1000, alphabet, 12).map((value, index) => (index % 2 ? `/${value}` : value));
    const typescript = values.map((value) => HEALTH_PATH_PATTERN.test(value));
    expect(bashAccepts('is_valid_health_path', values)).toEqual(typescript);
    expect(typescript.filter(Boolean).length).toBeGreaterThan(10);
  });
});
