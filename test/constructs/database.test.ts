import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DatabaseSource, ServiceDatabase } from '../../lib/database';
import { logicalId, resourcesOf, synthService, testApp } from './helpers';

describe('database', () => {
  const defaults = synthService();

  test('GIVEN defaults THEN one encrypted PostgreSQL 16 instance in isolated subnets with IAM auth and log exports', () => {
    const { template, service, stack } = defaults;

    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '16',
      DBInstanceClass: 'db.t4g.micro',
      StorageEncrypted: true,
      StorageType: 'gp3',
      PubliclyAccessible: false,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      MultiAZ: false,
      DBName: 'app',
    });
    const isolated = (service.vpc as ec2.Vpc).isolatedSubnets.map((subnet) => ({
      Ref: logicalId(subnet as ec2.Subnet, stack),
    }));
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: isolated });
  });

  test('GIVEN defaults THEN backups are kept 7 days, deletion is protected and removal snapshots', () => {
    defaults.template.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ BackupRetentionPeriod: 7, DeletionProtection: true }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  test('GIVEN the throwaway opt-out THEN the instance is deletable and deleted with the stack', () => {
    const { template } = synthService({
      database: DatabaseSource.create({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }),
    });

    template.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: false }),
      DeletionPolicy: 'Delete',
    });
  });

  test('GIVEN defaults THEN credentials are generated in Secrets Manager, not in the template', () => {
    const { template } = defaults;

    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'password',
        SecretStringTemplate: '{"username":"app_admin"}',
      }),
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      MasterUserPassword: { 'Fn::Join': ['', Match.arrayWith([':SecretString:password::}}'])] },
    });
  });

  test('GIVEN defaults THEN the parameter group sets UTC, forced SSL and slow-query logging', () => {
    defaults.template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: 'postgres16',
      Parameters: { timezone: 'UTC', 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
    });
  });

  test('GIVEN a MySQL engine and extra parameters THEN the MySQL defaults and the extras apply', () => {
    const { template } = synthService({
      database: DatabaseSource.create({
        engine: rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0_40 }),
        parameters: { max_connections: '200' },
      }),
    });

    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: 'mysql8.0',
      Parameters: {
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_0900_ai_ci',
        time_zone: 'UTC',
        require_secure_transport: 'ON',
        slow_query_log: '1',
        max_connections: '200',
      },
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      EnableCloudwatchLogsExports: ['error', 'slowquery'],
    });
  });

  test('GIVEN multiAz, size and retention props THEN the instance follows them', () => {
    const { template } = synthService({
      database: DatabaseSource.create({
        multiAz: true,
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.SMALL),
        allocatedStorage: 50,
        maxAllocatedStorage: 200,
        backupRetention: Duration.days(14),
        databaseName: 'shop',
      }),
    });

    template.hasResourceProperties('AWS::RDS::DBInstance', {
      MultiAZ: true,
      DBInstanceClass: 'db.t4g.small',
      AllocatedStorage: '50',
      MaxAllocatedStorage: 200,
      BackupRetentionPeriod: 14,
      DBName: 'shop',
    });
  });

  test('GIVEN defaults THEN the database security group admits ONLY the instance security group, no CIDR', () => {
    const { template, service, stack } = defaults;
    const databaseGroup = logicalId(service.database!.securityGroup, stack);
    const instanceGroup = logicalId(service.instanceSecurityGroup, stack);

    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')
      .map(([, rule]) => rule.Properties as Record<string, unknown>)
      .filter(
        (rule) =>
          JSON.stringify(rule.GroupId) === JSON.stringify({ 'Fn::GetAtt': [databaseGroup, 'GroupId'] }),
      );
    expect(ingress).toHaveLength(1);
    expect(ingress[0].SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [instanceGroup, 'GroupId'] });
    expect(ingress[0]).not.toHaveProperty('CidrIp');
    expect(ingress[0]).not.toHaveProperty('CidrIpv6');
    expect(ingress[0].FromPort).toEqual({
      'Fn::GetAtt': [logicalId(service.database!.instance, stack), 'Endpoint.Port'],
    });

    const group = template.findResources('AWS::EC2::SecurityGroup')[databaseGroup];
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    // No outbound traffic at all: CDK renders that as one rule to an unroutable address.
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32' }),
    ]);
  });

  test('GIVEN an existing database THEN no instance is created, its group admits the instances and user data points at it', () => {
    const { template, service, stack } = synthService((s) => {
      const secret = secretsmanager.Secret.fromSecretCompleteArn(
        s,
        'Secret',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-db-AbCdEf',
      );
      const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(s, 'DbGroup', 'sg-0123456789abcdef0');
      return {
        database: DatabaseSource.fromExisting({
          endpoint: 'shop.cluster.example.internal',
          port: 5432,
          secret,
          securityGroup,
        }),
      };
    });

    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(service.database).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(service.instanceSecurityGroup, stack), 'GroupId'] },
    });
    const userData = JSON.stringify(resourcesOf(template, 'AWS::EC2::LaunchTemplate')[0][1]);
    expect(userData).toContain('shop.cluster.example.internal');
    expect(userData).toContain('5432');
    expect(userData).toContain('arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-db-AbCdEf');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-db-AbCdEf',
          }),
        ]),
      },
    });
  });

  test('GIVEN no database THEN no instance, no secret, no database security group', () => {
    const { template, service } = synthService({ database: DatabaseSource.none() });

    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::RDS::DBParameterGroup', 0);
    expect(service.database).toBeUndefined();
    expect(service.databaseConnection).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('secretsmanager');
  });

  test('GIVEN a VPC without isolated subnets THEN a standalone database uses its private subnets', () => {
    const app = testApp();
    const stack = new Stack(app, 'DbStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const clients = new ec2.SecurityGroup(stack, 'Clients', { vpc });

    const database = new ServiceDatabase(stack, 'Db', { vpc, clientSecurityGroup: clients });

    expect(database.connection.secret).toBe(database.secret);
    Template.fromStack(stack).hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: vpc.privateSubnets.map((subnet) => ({ Ref: logicalId(subnet as ec2.Subnet, stack) })),
    });
  });
});
