/**
 * `@aws-sdk/client-ec2` (the validator's DescribeInstances) is provided by the Lambda runtime;
 * until it is a dependency here, the rehearsal's stand-in answers for it (lib/rehearsal/ec2-client.ts).
 */
function ec2ClientMapping() {
  try {
    require.resolve('@aws-sdk/client-ec2');
    return {};
  } catch {
    return { '^@aws-sdk/client-ec2$': '<rootDir>/lib/rehearsal/sdk-stand-ins/client-ec2.ts' };
  }
}

/** @type {import('jest').Config} */
module.exports = {
  moduleNameMapper: ec2ClientMapping(),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testTimeout: 120000,
};
