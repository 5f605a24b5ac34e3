import { IntrinsicResolver, type CfnTemplate } from '../../lib/rehearsal/template';

describe('physical ids the rehearsal gives template resources', () => {
  test('GIVEN two target groups whose logical ids share their first 32 characters THEN their ARNs differ, each in the AWS shape', () => {
    const shared = 'ShopServiceReleaseLoadBalancerTargetGroup';
    const template: CfnTemplate = {
      Resources: {
        [`${shared}A1B2C3D4`]: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: {} },
        [`${shared}E5F6A7B8`]: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: {} },
      },
    };
    const resolver = new IntrinsicResolver(template);
    const arns = Object.keys(template.Resources).map((id) => resolver.physicalId(id));
    expect(new Set(arns).size).toBe(2);
    for (const arn of arns)
      expect(arn).toMatch(
        /^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
      );
  });

  test('GIVEN the same template twice THEN the same ARN (seeded runs replay)', () => {
    const template: CfnTemplate = {
      Resources: { Web: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: {} } },
    };
    expect(new IntrinsicResolver(template).physicalId('Web')).toBe(
      new IntrinsicResolver(template).physicalId('Web'),
    );
  });
});
