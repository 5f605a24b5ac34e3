import { Duration, Size, SizeRoundingBehavior, Tags, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TagKeys } from './contract/tags';
import { AppMode, BootConfig, renderUserData } from './boot/user-data';
import type { DatabaseConnection } from './database';
import type { ReleaseArtifactLocation } from './release-workflow';
import { PropsValidator, wildcardResourceFinding } from './validation';

/** One of the two fleets of a service; also the value of its `bluegreen:colour` tag. */
export type Colour = 'blue' | 'green';

/** What the instances of a fleet run and where it finds what it needs; rendered into user-data. */
export interface FleetApplication {
  /** `demo`, `artifact` (download `<prefix><version>.<extension>`) or `commands` (run a script). */
  readonly mode: AppMode;
  /** The port the application listens on. */
  readonly appPort: number;
  /** The path the target group's health check requests. */
  readonly healthPath: string;
  /** Where the release artifacts are; required in `artifact` mode. @default - no artifact */
  readonly artifact?: ReleaseArtifactLocation;
  /** The script that starts the application; required in `commands` mode. @default - none */
  readonly commands?: string;
  /** The database the application uses (endpoint, port and secret, never the password). @default - none */
  readonly database?: DatabaseConnection;
}

/** Props of a `Fleet`: one of the two colours of a service. */
export interface FleetProps {
  /** Which of the two fleets this is; static for the fleet's life. */
  readonly colour: Colour;
  /** The VPC of the instances. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the instances. They need outbound access (packages, AWS APIs).
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** The instance security group, shared by both fleets. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The target group shared by both fleets. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** Value of the `bluegreen:service` tag. */
  readonly serviceTag: string;
  /** MaxSize of the group. */
  readonly maxCapacity: number;
  /** What the instances run and how they reach the application's database. */
  readonly application: FleetApplication;
  /**
   * Instance type of the group.
   * @default ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO)
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * The AMI. The boot script needs bash, curl and the AWS CLI (Amazon Linux 2023 has them).
   * @default - the latest Amazon Linux 2023 for the instance type's architecture (an SSM parameter)
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * Size of the encrypted gp3 root volume.
   * @default Size.gibibytes(8)
   */
  readonly rootVolumeSize?: Size;
  /**
   * Device name of the root volume in the AMI.
   * @default '/dev/xvda' (Amazon Linux)
   */
  readonly rootDeviceName?: string;
  /**
   * Time after launch before the group acts on failing ELB health checks. The release workflow
   * has its own health timeout; this only stops the group replacing instances that are still booting.
   * @default Duration.minutes(5)
   */
  readonly healthCheckGracePeriod?: Duration;
  /**
   * Average CPU utilization (percent) the group's target-tracking policy keeps.
   * @default 60
   */
  readonly cpuTargetUtilization?: number;
}

/** Defaults shared with `BlueGreenService`. */
export const FLEET_DEFAULTS = {
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
  rootVolumeSize: Size.gibibytes(8),
  rootDeviceName: '/dev/xvda',
  healthCheckGracePeriod: Duration.minutes(5),
  cpuTargetUtilization: 60,
} as const;

/**
 * One colour: a launch template and an Auto Scaling group attached to the shared target group.
 *
 * The group starts empty and the template never sets its desired capacity: the release workflow
 * owns capacity, the `bluegreen:version` and `bluegreen:role` tags. The template only sets the
 * static tags (`bluegreen:service`, `bluegreen:colour`), so a later deployment resets nothing the
 * workflow wrote.
 */
export class Fleet extends Construct {
  /** Which of the two fleets this is. */
  public readonly colour: Colour;
  /** The Auto Scaling group: no desired capacity in the template, MinSize 0. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The group's launch template: IMDSv2, instance metadata tags, encrypted gp3 root volume. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The instance role: what the boot script needs, nothing more. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    const validator = new PropsValidator(this);
    validateFleetProps(validator, props);
    validator.throwIfInvalid();

    this.colour = props.colour;
    const instanceType = props.instanceType ?? FLEET_DEFAULTS.instanceType;

    this.role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Instances of the ${props.colour} fleet`,
      // Session Manager instead of SSH: no key pairs, no open port 22.
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.grantBootPermissions(props.application);

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType,
      machineImage: props.machineImage ?? defaultMachineImage(instanceType),
      role: this.role,
      securityGroup: props.securityGroup,
      userData: ec2.UserData.custom(renderUserData(bootConfig(props.colour, props.application))),
      requireImdsv2: true,
      // The boot script reads the group name and tags from instance metadata.
      instanceMetadataTags: true,
      blockDevices: [
        {
          deviceName: props.rootDeviceName ?? FLEET_DEFAULTS.rootDeviceName,
          volume: ec2.BlockDeviceVolume.ebs(
            (props.rootVolumeSize ?? FLEET_DEFAULTS.rootVolumeSize).toGibibytes(),
            {
              encrypted: true,
              volumeType: ec2.EbsDeviceVolumeType.GP3,
              deleteOnTermination: true,
            },
          ),
        },
      ],
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: this.launchTemplate,
      // Empty until the release workflow scales it; never `desiredCapacity` (see the class doc).
      minCapacity: 0,
      maxCapacity: props.maxCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: props.healthCheckGracePeriod ?? FLEET_DEFAULTS.healthCheckGracePeriod,
      }),
      // What the release dashboard shows per colour (collected at 1-minute granularity, no charge).
      groupMetrics: [
        new autoscaling.GroupMetrics(
          autoscaling.GroupMetric.IN_SERVICE_INSTANCES,
          autoscaling.GroupMetric.STANDBY_INSTANCES,
          autoscaling.GroupMetric.PENDING_INSTANCES,
          autoscaling.GroupMetric.TERMINATING_INSTANCES,
          autoscaling.GroupMetric.DESIRED_CAPACITY,
        ),
      ],
      // No signals and no update policy: CloudFormation must not wait for instances of an empty group.
    });
    this.autoScalingGroup.attachToApplicationTargetGroup(props.targetGroup);

    // Per-group metric: request count per target would read the SHARED target group and scale out
    // the idle group too (docs/aws-model.md: capacity and drift).
    this.autoScalingGroup.scaleOnCpuUtilization('CpuScaling', {
      targetUtilizationPercent: props.cpuTargetUtilization ?? FLEET_DEFAULTS.cpuTargetUtilization,
    });

    Tags.of(this.autoScalingGroup).add(TagKeys.service, props.serviceTag, { applyToLaunchedInstances: true });
    Tags.of(this.autoScalingGroup).add(TagKeys.colour, props.colour, { applyToLaunchedInstances: true });

    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'AwsSolutions-AS3',
      reason:
        'Launches and terminations of this group are made by the release workflow, whose Step Functions ' +
        'execution history records each step; SNS notifications per group would duplicate that record.',
    });
  }

  private grantBootPermissions(application: FleetApplication): void {
    // The boot script reads its group's name and the group's version tag. These Describe actions
    // do not support resource-level permissions, so the resource must be `*`.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnGroupAndVersionTag',
        actions: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeAutoScalingGroups'],
        resources: ['*'],
      }),
    );
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
        reason:
          'AmazonSSMManagedInstanceCore gives Session Manager access instead of SSH (no key pairs, no port 22); ' +
          'it is the AWS-maintained minimal policy for the SSM agent.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'autoscaling:DescribeAutoScalingInstances and autoscaling:DescribeAutoScalingGroups do not support ' +
          'resource-level permissions; the boot script needs them to read its group and version tag.',
      },
    );

    if (application.artifact) {
      const { bucket, keyPrefix } = application.artifact;
      const artifacts = bucket.arnForObjects(`${keyPrefix}*`);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadReleaseArtifacts',
          actions: ['s3:GetObject'],
          resources: [artifacts],
        }),
      );
      bucket.encryptionKey?.grantDecrypt(this.role);
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[${wildcardResourceFinding(this, artifacts)}]`,
        reason:
          'The instances download `<prefix><version>.<extension>` for whatever version the workflow releases: ' +
          's3:GetObject on the artifact key prefix only.',
      });
    }
    application.database?.secret.grantRead(this.role);
  }
}

/** The boot contract of one colour: what `renderUserData` turns into the user-data script. */
function bootConfig(colour: Colour, application: FleetApplication): BootConfig {
  return {
    colour,
    appPort: application.appPort,
    healthPath: application.healthPath,
    mode: application.mode,
    artifact: application.artifact && {
      bucketName: application.artifact.bucket.bucketName,
      keyPrefix: application.artifact.keyPrefix,
      extension: application.artifact.extension,
    },
    userCommands: application.commands,
    databaseEndpoint: application.database?.endpoint,
    databasePort: application.database?.port,
    databaseSecretArn: application.database?.secret.secretArn,
  };
}

/** Amazon Linux 2023 for the instance type's CPU: a Graviton type gets the arm64 image. */
function defaultMachineImage(instanceType: ec2.InstanceType): ec2.IMachineImage {
  return ec2.MachineImage.latestAmazonLinux2023({
    cpuType:
      instanceType.architecture === ec2.InstanceArchitecture.ARM_64
        ? ec2.AmazonLinuxCpuType.ARM_64
        : ec2.AmazonLinuxCpuType.X86_64,
  });
}

/** The fleet's prop rules, checked once by its constructor. */
function validateFleetProps(validator: PropsValidator, props: FleetProps): void {
  validateInstanceSettings(validator, props);
  validator.integerBetween('maxCapacity', props.maxCapacity, 1, 1000);
}

/**
 * The rules of a fleet's instance and scaling settings: part of the fleet's own checks, and what
 * `BlueGreenService` checks instead of building the fleets when another part refused its props
 * (so that one error still lists every problem).
 */
export function validateInstanceSettings(
  validator: PropsValidator,
  props: Pick<FleetProps, 'cpuTargetUtilization' | 'healthCheckGracePeriod' | 'rootVolumeSize'>,
): void {
  validator.integerBetween('cpuTargetUtilization', props.cpuTargetUtilization, 10, 90);
  validator.secondsBetween('healthCheckGracePeriod', props.healthCheckGracePeriod, 0, 7200);
  const size = props.rootVolumeSize;
  if (size !== undefined && !size.isUnresolved()) {
    const gib = size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(gib) || gib < 1 || gib > 16384) {
      validator.addProblem(`rootVolumeSize (${gib} GiB) must be a whole number of GiB between 1 and 16384`);
    }
  }
}
