import { validateRequest } from '../../lib/contract/request';

const limits = { maxCapacity: 6 };

describe('validateRequest', () => {
  it('accepts a release and defaults the action', () => {
    expect(validateRequest({ version: 'v1.2.3' }, limits)).toEqual({ action: 'release', version: 'v1.2.3' });
  });

  it('accepts every field at its limits', () => {
    expect(
      validateRequest(
        { action: 'release', version: 'a', capacity: 6, healthTimeoutSeconds: 60, bakeSeconds: 0 },
        limits,
      ),
    ).toEqual({ action: 'release', version: 'a', capacity: 6, healthTimeoutSeconds: 60, bakeSeconds: 0 });
    expect(
      validateRequest({ version: 'a', capacity: 1, healthTimeoutSeconds: 86400, bakeSeconds: 86400 }, limits),
    ).toMatchObject({ capacity: 1 });
  });

  it('keeps who asked, and refuses a requestedBy that is empty, too long or not printable', () => {
    const who = 'arn:aws:sts::111122223333:assumed-role/ci/run-42';
    expect(validateRequest({ version: 'v1', requestedBy: who }, limits)).toEqual({
      action: 'release',
      version: 'v1',
      requestedBy: who,
    });
    for (const bad of ['', 'x'.repeat(257), 'line\nbreak', 42]) {
      expect(() => validateRequest({ version: 'v1', requestedBy: bad }, limits)).toThrow(
        /^requestedBy \(.*\) must be 1 to 256 printable ASCII characters$/,
      );
    }
  });

  it('accepts a rollback without a version, and checks one that is given', () => {
    expect(validateRequest({ action: 'rollback' }, limits)).toEqual({ action: 'rollback' });
    expect(validateRequest({ action: 'rollback', version: 'v1' }, limits)).toEqual({
      action: 'rollback',
      version: 'v1',
    });
    expect(() => validateRequest({ action: 'rollback', version: '$(id)' }, limits)).toThrow(
      /^version \("\$\(id\)"\)/,
    );
  });

  it.each([
    ['v1; rm -rf /'],
    ['$(id)'],
    [''],
    ['x'.repeat(300)],
    ['../x'],
    ['-rf'],
    ['v1\nv2'],
    [42],
    [null],
  ])('refuses the version %j', (version) => {
    expect(() => validateRequest({ version }, limits)).toThrow(
      expect.objectContaining({
        name: 'InvalidRequest',
        message: expect.stringMatching(/^version \(.*\) must match/),
      }),
    );
  });

  it('requires a version for a release', () => {
    expect(() => validateRequest({}, limits)).toThrow(/^version \(undefined\) must match/);
  });

  it('names an unknown field', () => {
    expect(() => validateRequest({ version: 'v1', capcity: 3 }, limits)).toThrow(
      /^request field "capcity" is not allowed \(allowed: action, version, capacity, healthTimeoutSeconds, bakeSeconds, requestedBy\)$/,
    );
  });

  it('refuses an unknown action', () => {
    expect(() => validateRequest({ action: 'deploy', version: 'v1' }, limits)).toThrow(
      /^action \("deploy"\) must be one of release, rollback$/,
    );
  });

  it.each([
    ['capacity', 0, 'capacity (0) must be an integer between 1 and 6'],
    ['capacity', 7, 'capacity (7) must be an integer between 1 and 6'],
    ['capacity', 2.5, 'capacity (2.5) must be an integer between 1 and 6'],
    ['capacity', '3', 'capacity ("3") must be an integer between 1 and 6'],
    ['healthTimeoutSeconds', 59, 'healthTimeoutSeconds (59) must be an integer between 60 and 86400'],
    ['healthTimeoutSeconds', 86401, 'healthTimeoutSeconds (86401) must be an integer between 60 and 86400'],
    ['bakeSeconds', -1, 'bakeSeconds (-1) must be an integer between 0 and 86400'],
    ['bakeSeconds', null, 'bakeSeconds (null) must be an integer between 0 and 86400'],
  ])('refuses %s %j', (field, value, message) => {
    expect(() => validateRequest({ version: 'v1', [field]: value }, limits)).toThrow(
      expect.objectContaining({ name: 'InvalidRequest', message }),
    );
  });

  it('refuses a request that is not an object', () => {
    expect(() => validateRequest('v1', limits)).toThrow(/^request \("v1"\) must be a JSON object$/);
    expect(() => validateRequest(null, limits)).toThrow(/must be a JSON object/);
  });
});
