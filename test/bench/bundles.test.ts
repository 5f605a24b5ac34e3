import { externalPackagesOf } from '../../bin/bench/bundles';

describe('externalPackagesOf', () => {
  test('lists each external package a bundle requires once, sorted, and skips the rest', () => {
    const code =
      'var a=require("@aws-sdk/client-sfn"),b=require("crypto");' +
      'var c=require(\'@aws-sdk/client-auto-scaling\');var d=require("@aws-sdk/client-sfn");' +
      'var e=require("./local");';
    expect(externalPackagesOf(code, ['@aws-sdk/*'])).toEqual([
      '@aws-sdk/client-auto-scaling',
      '@aws-sdk/client-sfn',
    ]);
  });

  test('uses the bundle options’ external patterns by default (the SDK v3 packages)', () => {
    expect(externalPackagesOf('require("@aws-sdk/client-sns");require("esbuild")')).toEqual([
      '@aws-sdk/client-sns',
    ]);
  });

  test('a pattern without a wildcard matches that name only', () => {
    expect(externalPackagesOf('require("pg");require("pg-pool")', ['pg'])).toEqual(['pg']);
  });
});
