import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PropsValidator, concreteSeconds, quote } from './validation';

/** What the instances need to reach a database: never the password itself. */
export interface DatabaseConnection {
  /** Host name of the database. */
  readonly endpoint: string;
  /** TCP port, as a string (CloudFormation returns ports as strings). */
  readonly port: string;
  /** The secret holding `username` and `password` (Secrets Manager JSON). */
  readonly secret: secretsmanager.ISecret;
}

/** Settings of a database the service creates (`DatabaseSource.create`). */
export interface ServiceDatabaseOptions {
  /**
   * The engine.
   * @default - PostgreSQL 16 (see `ServiceDatabase`)
   */
  readonly engine?: rds.IInstanceEngine;
  /**
   * The database instance class.
   * @default db.t4g.micro
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Initial storage in GiB (20–65536).
   * @default 20
   */
  readonly allocatedStorage?: number;
  /**
   * Storage autoscaling limit in GiB; at least 'allocatedStorage'.
   * @default 100
   */
  readonly maxAllocatedStorage?: number;
  /**
   * A standby in a second Availability Zone, with automatic failover.
   * @default false
   */
  readonly multiAz?: boolean;
  /**
   * Retention of automated backups (7–35 days).
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * Refuse deletion of the instance. Set `false` (with `removalPolicy: RemovalPolicy.DESTROY`)
   * for throwaway stacks.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the instance when it leaves the stack.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Name of the database created in the instance.
   * @default 'app'
   */
  readonly databaseName?: string;
  /**
   * Extra engine parameters, merged over the defaults (see `ServiceDatabase`).
   * @default - the defaults only
   */
  readonly parameters?: Record<string, string>;
  /**
   * Subnets of the database.
   * @default - the VPC's isolated subnets if it has any, else its private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/** Props of a `ServiceDatabase`: its settings, where it runs and who may connect. */
export interface ServiceDatabaseProps extends ServiceDatabaseOptions {
  /** The VPC of the database (its isolated subnets unless `vpcSubnets` says otherwise). */
  readonly vpc: ec2.IVpc;
  /** The only security group admitted to the database port: the instances' group. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
}

/** A database that already exists, e.g. shared with another stack. */
export interface ExistingDatabase {
  /** Host name of the database. */
  readonly endpoint: string;
  /** TCP port of the database. */
  readonly port: number;
  /** Secret with the credentials; the instances get read access to it. */
  readonly secret: secretsmanager.ISecret;
  /**
   * Security group of the database: an ingress rule for the instances on `port` is added to it.
   * @default - no rule is added: the database must already admit the instance security group
   */
  readonly securityGroup?: ec2.ISecurityGroup;
}

/** Which database a `BlueGreenService` uses. */
export class DatabaseSource {
  /** A new RDS instance shared by both colours (the default). */
  public static create(options: ServiceDatabaseOptions = {}): DatabaseSource {
    return new DatabaseSource('create', options, undefined);
  }

  /** A database that already exists. */
  public static fromExisting(database: ExistingDatabase): DatabaseSource {
    return new DatabaseSource('existing', undefined, database);
  }

  /** No database: the boot config carries no database settings. */
  public static none(): DatabaseSource {
    return new DatabaseSource('none', undefined, undefined);
  }

  private constructor(
    /** Which source this is: a new database, an existing one, or none. */
    public readonly kind: 'create' | 'existing' | 'none',
    /** Set when `kind` is `create`. */
    public readonly options: ServiceDatabaseOptions | undefined,
    /** Set when `kind` is `existing`. */
    public readonly existing: ExistingDatabase | undefined,
  ) {}
}

/** Defaults of `ServiceDatabaseOptions`. */
export const DATABASE_DEFAULTS = {
  engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MICRO),
  allocatedStorage: 20,
  maxAllocatedStorage: 100,
  backupRetention: Duration.days(7),
  deletionProtection: true,
  removalPolicy: RemovalPolicy.SNAPSHOT,
  databaseName: 'app',
  masterUsername: 'app_admin',
} as const;

/**
 * The RDS instance shared by the blue and the green fleet.
 *
 * **Why PostgreSQL 16 by default.** Both colours run against the same database during a release,
 * so schema changes must be backward compatible and safe to run online. PostgreSQL runs DDL in
 * transactions (a failed migration rolls back whole, nothing half-applied for the old colour to
 * trip over), builds indexes without blocking writes (`CREATE INDEX CONCURRENTLY`) and adds
 * nullable columns or columns with defaults without rewriting the table. Version 16 is a current
 * major version on RDS, runs on Graviton (`db.t4g`) instances, and `rds.force_ssl` is on.
 *
 * Engine-specific defaults (merged under `parameters`):
 * - PostgreSQL: `timezone=UTC`, `rds.force_ssl=1`, `log_min_duration_statement=1000` (ms);
 *   logs `postgresql` and `upgrade` exported to CloudWatch Logs.
 * - MySQL: `character_set_server=utf8mb4`, `collation_server=utf8mb4_0900_ai_ci`,
 *   `time_zone=UTC`, `require_secure_transport=ON`, `slow_query_log=1`; logs `error`, `slowquery`.
 *
 * During a release both colours hold connections: size each application's pool to at most half
 * of the instance's `max_connections`.
 */
export class ServiceDatabase extends Construct {
  /** The RDS instance. */
  public readonly instance: rds.DatabaseInstance;
  /** The database's security group: the database port from `clientSecurityGroup` only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The generated credentials (`username`, `password`, `host`, `port`...). */
  public readonly secret: secretsmanager.ISecret;
  /** What the instances get to reach the database: endpoint, port and secret. */
  public readonly connection: DatabaseConnection;

  constructor(scope: Construct, id: string, props: ServiceDatabaseProps) {
    super(scope, id);
    const validator = new PropsValidator(this);
    validateDatabaseOptions(validator, props);
    validator.throwIfInvalid();

    const engine = props.engine ?? DATABASE_DEFAULTS.engine;
    const multiAz = props.multiAz ?? false;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Database: the database port from the instance security group only',
      allowAllOutbound: false,
    });

    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Parameters of the blue/green service database',
      parameters: { ...defaultParameters(engine), ...props.parameters },
    });

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceType: props.instanceType ?? DATABASE_DEFAULTS.instanceType,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? {
        subnetType:
          props.vpc.isolatedSubnets.length > 0
            ? ec2.SubnetType.PRIVATE_ISOLATED
            : ec2.SubnetType.PRIVATE_WITH_EGRESS,
      },
      securityGroups: [this.securityGroup],
      publiclyAccessible: false,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_DEFAULTS.masterUsername),
      databaseName: props.databaseName ?? DATABASE_DEFAULTS.databaseName,
      parameterGroup,
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorage ?? DATABASE_DEFAULTS.allocatedStorage,
      maxAllocatedStorage: props.maxAllocatedStorage ?? DATABASE_DEFAULTS.maxAllocatedStorage,
      multiAz,
      backupRetention: props.backupRetention ?? DATABASE_DEFAULTS.backupRetention,
      deletionProtection: props.deletionProtection ?? DATABASE_DEFAULTS.deletionProtection,
      removalPolicy: props.removalPolicy ?? DATABASE_DEFAULTS.removalPolicy,
      iamAuthentication: true,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: defaultLogExports(engine),
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    this.instance.connections.allowDefaultPortFrom(
      props.clientSecurityGroup,
      'Database port from the instance security group',
    );

    this.secret = this.instance.secret!;
    this.connection = {
      endpoint: this.instance.dbInstanceEndpointAddress,
      port: this.instance.dbInstanceEndpointPort,
      secret: this.secret,
    };

    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The database is in private subnets and its security group admits only the instance security group; ' +
        'a non-default port would add no protection and surprise every client tool.',
    });
    if (!multiAz) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'Multi-AZ is the `multiAz` prop, off by default to keep demo and staging stacks cheap; production turns it on.',
      });
    }
    if (props.deletionProtection === false) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'Deletion protection was switched off explicitly (`deletionProtection: false`) for a throwaway stack; ' +
          'the default keeps it on.',
      });
    }
    // On the instance: `instance.secret` is the secret's attachment, the secret is the instance's child.
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The instances read the secret once at boot; rotating it would break the connections of running instances ' +
        'until their next release. Rotate by changing the secret and releasing, which replaces every instance.',
    });
  }
}

function defaultParameters(engine: rds.IInstanceEngine): Record<string, string> {
  switch (engine.engineType) {
    case 'postgres':
      return { timezone: 'UTC', 'rds.force_ssl': '1', log_min_duration_statement: '1000' };
    case 'mysql':
      return {
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_0900_ai_ci',
        time_zone: 'UTC',
        require_secure_transport: 'ON',
        slow_query_log: '1',
      };
    default:
      return {};
  }
}

function defaultLogExports(engine: rds.IInstanceEngine): string[] | undefined {
  switch (engine.engineType) {
    case 'postgres':
      return ['postgresql', 'upgrade'];
    case 'mysql':
    case 'mariadb':
      return ['error', 'slowquery'];
    default:
      return undefined;
  }
}

/** The database's prop rules, checked once by its constructor. */
function validateDatabaseOptions(validator: PropsValidator, options: ServiceDatabaseOptions): void {
  const retention = concreteSeconds(options.backupRetention);
  if (
    retention !== undefined &&
    (retention % 86400 !== 0 || retention < 7 * 86400 || retention > 35 * 86400)
  ) {
    validator.addProblem(
      `backupRetention (${retention / 86400} days) must be a whole number of days between 7 and 35`,
    );
  }
  const allocatedValid = validator.integerBetween('allocatedStorage', options.allocatedStorage, 20, 65536);
  const maxValid = validator.integerBetween('maxAllocatedStorage', options.maxAllocatedStorage, 20, 65536);
  if (allocatedValid || maxValid) {
    validator.notGreaterThan(
      'allocatedStorage',
      options.allocatedStorage ?? DATABASE_DEFAULTS.allocatedStorage,
      'maxAllocatedStorage',
      options.maxAllocatedStorage ?? DATABASE_DEFAULTS.maxAllocatedStorage,
    );
  }
  validator.matches(
    'databaseName',
    options.databaseName,
    /^[A-Za-z][A-Za-z0-9_]{0,62}$/,
    'a letter followed by at most 62 letters, digits or underscores',
  );
  if (options.removalPolicy === RemovalPolicy.DESTROY && (options.deletionProtection ?? true)) {
    validator.addProblem(
      `removalPolicy (destroy) conflicts with deletionProtection (${options.deletionProtection ?? 'true, the default'}): ` +
        'CloudFormation cannot delete a protected instance; set deletionProtection: false as well',
    );
  }
}

/** The rules of an existing database: checked by `BlueGreenService`, which uses it. */
export function validateExistingDatabase(
  validator: PropsValidator,
  database: ExistingDatabase,
  prefix: string,
): void {
  validator.integerBetween(`${prefix}port`, database.port, 1, 65535);
  if (
    !Token.isUnresolved(database.endpoint) &&
    !/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(database.endpoint)
  ) {
    validator.addProblem(`${prefix}endpoint (${quote(database.endpoint)}) must be a host name`);
  }
}
