import { parseCommandLine } from '../../lib/cli/args';
import { helpText } from '../../lib/cli/help';

describe('the command line', () => {
  test('release with its options, and the service flags', () => {
    expect(
      parseCommandLine([
        'release',
        '1.2.0',
        '--follow',
        '--capacity',
        '4',
        '--bake-seconds',
        '0',
        '--health-timeout-seconds',
        '600',
        '--stack',
        'Shop',
        '--service',
        'shop',
        '--region',
        'eu-west-1',
      ]),
    ).toEqual({
      name: 'release',
      version: '1.2.0',
      follow: true,
      capacity: 4,
      bakeSeconds: 0,
      healthTimeoutSeconds: 600,
      target: { stack: 'Shop', service: 'shop', region: 'eu-west-1' },
    });
  });

  test('the other commands and their defaults', () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Release';
    expect(parseCommandLine(['rollback', '--state-machine', arn])).toEqual({
      name: 'rollback',
      follow: false,
      target: { stateMachineArn: arn },
    });
    expect(parseCommandLine(['history'])).toMatchObject({ name: 'history', limit: 10 });
    expect(parseCommandLine(['history', '--limit', '3'])).toMatchObject({ limit: 3 });
    expect(parseCommandLine(['reject', '--reason', ' too risky '])).toMatchObject({
      name: 'reject',
      reason: 'too risky',
    });
    expect(parseCommandLine(['approve'])).toEqual({ name: 'approve', target: {} });
  });

  test('--rehearse and its settings', () => {
    expect(parseCommandLine(['status', '--rehearse'])).toEqual({
      name: 'status',
      target: {},
      rehearse: {
        versions: ['1.0.0'],
        unhealthyVersions: [],
        answer: 'approve',
        profile: 'typical',
        handlers: 'bundles',
      },
    });
    expect(parseCommandLine(['rollback', '--rehearse'])).toMatchObject({
      rehearse: { versions: ['1.0.0', '1.1.0'] },
    });
    expect(
      parseCommandLine([
        'release',
        '2.0.0',
        '--rehearse',
        '--template',
        'cdk.out/Shop.template.json',
        '--rehearse-versions',
        'a,b',
        '--rehearse-unhealthy',
        '2.0.0',
        '--rehearse-answer',
        'reject',
      ]),
    ).toMatchObject({
      rehearse: {
        template: 'cdk.out/Shop.template.json',
        versions: ['a', 'b'],
        unhealthyVersions: ['2.0.0'],
        answer: 'reject',
      },
    });
    expect(
      parseCommandLine([
        'status',
        '--rehearse',
        '--rehearse-template',
        'cdk.out',
        '--rehearse-profile',
        'harsh',
        '--rehearse-handlers',
        'source',
        '--stack',
        'Shop',
        '--service',
        'Orders',
      ]),
    ).toMatchObject({
      target: { stack: 'Shop', service: 'Orders' },
      rehearse: { template: 'cdk.out', profile: 'harsh', handlers: 'source' },
    });
  });

  test('help', () => {
    expect(parseCommandLine(['--help'])).toEqual({ name: 'help' });
    expect(parseCommandLine(['help', 'release'])).toEqual({ name: 'help', topic: 'release' });
    expect(parseCommandLine(['approve', '-h'])).toEqual({ name: 'help', topic: 'approve' });
    const text = helpText();
    for (const phrase of [
      'release <version>',
      '--rehearse',
      'fresh region',
      'releases an initial version',
      'Exit codes:',
    ]) {
      expect(text).toContain(phrase);
    }
  });

  test.each([
    [['release', '1.0', 'extra'], 'unexpected argument "extra" for "release"'],
    [['release', '1.0', '--capacity', '0'], '--capacity ("0") must be a whole number >= 1'],
    [['release', '1.0', '--capacity', '2.5'], '--capacity ("2.5") must be a whole number >= 1'],
    [['release', '1.0', '--bake-seconds'], '--bake-seconds needs a value (see bluegreen release --help)'],
    [
      ['release', '1.0', '--follow=yes'],
      "Option '--follow' does not take an argument (see bluegreen release --help)",
    ],
    [
      ['status', '--stack', 'A', '--state-machine', 'arn:aws:states:eu-west-1:123456789012:stateMachine:R'],
      '--stack and --state-machine both name the service: pass one of them',
    ],
    [['status', '--region', 'Europe'], '--region ("Europe") must be a region name such as eu-west-1'],
    [['status', '--stack', ''], '--stack ("") must not be empty'],
    [['approve', '--reason', ' '], '--reason (" ") must be 1 to 1024 characters of text'],
    [
      ['status', '--rehearse', '--rehearse-answer', 'maybe'],
      '--rehearse-answer ("maybe") must be approve or reject',
    ],
    [
      ['status', '--rehearse', '--rehearse-versions', '1.0,bad!'],
      '--rehearse-versions ("bad!") must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
    ],
    [['status', '--rehearse-answer', 'approve'], '--rehearse-answer needs --rehearse'],
    [
      ['status', '--rehearse', '--rehearse-profile', 'brutal'],
      '--rehearse-profile ("brutal") must be one of typical, harsh',
    ],
    [
      ['status', '--rehearse', '--rehearse-handlers', 'ts'],
      '--rehearse-handlers ("ts") must be one of bundles, source',
    ],
    [
      ['status', '--rehearse', '--rehearse-template', 'a', '--template', 'b'],
      '--rehearse-template and --template name the same thing: pass one of them',
    ],
    [['status', '--rehearse', '--rehearse-template', ''], '--rehearse-template ("") must not be empty'],
    [['status', '--rehearse-profile', 'harsh'], '--rehearse-profile needs --rehearse'],
    [['status', '--rehearse-template', 'cdk.out'], '--rehearse-template needs --rehearse'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
