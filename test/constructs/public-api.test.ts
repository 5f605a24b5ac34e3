import * as path from 'path';
import { declarationProgram, type DeclarationProgram } from '../../scripts/api/declarations';
import { exportedNames, publicApiProblems, publicMemberCount } from '../../scripts/api/public-api';

const ROOT = path.join(__dirname, '..', '..');

/** Names that belong to the implementation: no consumer needs them, so none may be exported. */
const INTERNALS = [
  'APP_DEFAULTS',
  'COLOURS',
  'DATABASE_DEFAULTS',
  'FLEET_DEFAULTS',
  'GROUP_LIFECYCLE_METRICS',
  'HEALTH_CHECK_DEFAULTS',
  'HandlerFunction',
  'RELEASE_HOOK_DEFAULTS',
  'RELEASE_HOOK_STATE_NAMES',
  'RELEASE_HOOK_TIMEOUT_LIMITS',
  'IMDS_TAG_KEY_PATTERN',
  'METRICS_NAMESPACE',
  'ROLLBACKS_METRIC',
  'SERVICE_DIMENSION',
  'StepFunction',
  'TagKeys',
  'WARNING_PREFIX',
  'createLogBucket',
  'loadBalancerFullNameOfListener',
  'maxCommandsBytes',
  'rollbacksMetric',
];

describe.each(['lib/entries/cli.ts'])('public API of %s, from its declaration files', (entry) => {
  test('GIVEN every export THEN it and each public member are documented and every type it uses is exported', () => {
    const api = declarationProgram(path.join(ROOT, entry), path.join(ROOT, 'tsconfig.json'));
    expect(publicApiProblems(api)).toEqual([]);
  });
});

describe('public API of the package entry point (lib/index.ts), from its declaration files', () => {
  let api: DeclarationProgram;
  beforeAll(() => {
    api = declarationProgram(path.join(ROOT, 'lib', 'index.ts'), path.join(ROOT, 'tsconfig.json'));
  });

  test('GIVEN every export THEN it and each public member have a description, optional props an @default, props are readonly, and every type of this package a signature uses is exported', () => {
    expect(publicMemberCount(api)).toBeGreaterThan(150);
    expect(publicApiProblems(api)).toEqual([]);
  });

  test('GIVEN the exports THEN no internal is among them and the types of the public props are', () => {
    const names = exportedNames(api);
    expect(names.filter((name) => INTERNALS.includes(name))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining([
        'AppMode',
        'ApprovalGate',
        'ApprovalOptions',
        'ApprovalOutcome',
        'BlueGreenService',
        'ExistingListenerOptions',
        'InstanceValidation',
        'InstanceValidationOptions',
        'ReleaseHook',
        'ReleaseHookPayload',
        'ReleaseHookPoint',
        'ReleaseHooks',
        'ServiceMetrics',
        'ServiceMetricsProps',
        'SmokeCheck',
        'UserValidatorPayload',
      ]),
    );
  });
});
