/** The help text: what each command does, its flags, the exit codes, and what --rehearse means. */
import type { CommandName } from './args';

const FIND_SERVICE = `Which service:
  --stack NAME            the CloudFormation stack that holds the service (its outputs name the
                          state machine and both groups)
  --service TAG           when the stack holds several services: the one whose bluegreen:service
                          tag (or construct id) is TAG
  --state-machine ARN     the release state machine itself (tagged bluegreen:service)
  --region REGION         AWS region; otherwise the SDK's usual chain (AWS_REGION, profile)
Credentials come from the SDK's usual chain (environment, profile, SSO, instance role).`;

const REHEARSE = `Offline (no AWS account):
  --rehearse              run the command against a simulated region, in this process, on a
                          virtual clock: your synthesized state machine with the step handlers'
                          deployed bundles. Each run starts from a fresh region: before the
                          command, the rehearsal deploys the service from your cloud assembly and
                          releases an initial version (1.0.0; 1.0.0 then 1.1.0 before a rollback),
                          so that status and history have something to show. In artifact mode it
                          uploads the artifact of each version it or the command releases.
  --rehearse-template PATH
                          the cloud assembly (default cdk.out, run \`npx cdk synth\` first) or one
                          template file (cdk.out/<Stack>.template.json); --stack picks a stack of
                          it and --service a service (its bluegreen:service tag or construct path)
  --rehearse-profile typical|harsh
                          how harsh the simulated region is (default typical; harsh: the
                          pessimistic end of every timing, rate limit and failure range)
  --rehearse-versions A,B versions the rehearsal releases before the command
  --rehearse-unhealthy V  instances of version V never pass a health check (repeatable)
  --rehearse-answer approve|reject
                          how the rehearsal answers approval requests, standing in for the
                          operator (default approve)
  --rehearse-handlers bundles|source
                          run the deployed handler bundles (default) or, to work on a handler
                          in this repository, its sources under lambda/`;

const EXIT_CODES = `Exit codes:
  0  done: released, rolled back, approval sent, status or history shown
     (release/rollback without --follow: the execution was started)
  1  the execution failed, timed out or was aborted, or the release was rolled back
  2  bad input or environment (unknown stack, no state machine, no credentials or region,
     invalid version, nothing waiting for approval, unknown flag): one line on stderr, and
     nothing was changed`;

const COMMAND_HELP: Record<CommandName, string> = {
  release: `bluegreen release <version> [--follow] [--capacity N] [--bake-seconds N] [--health-timeout-seconds N]
  Starts a release of <version> (execution release-<version>-<UTC time>, requestedBy = your
  identity). --follow shows its progress until it ends, then a summary.`,
  rollback: `bluegreen rollback [--follow]
  Starts a rollback: during the bake the old fleet leaves Standby; after finalize the previous
  version is released again.`,
  status: `bluegreen status
  The live colour and version, the standby fleet, the idle group, the running execution and the
  load balancer's healthy targets.`,
  history: `bluegreen history [--limit N]
  Recent executions, newest first (default 10): name, action, version, start, duration, outcome
  and who started it.`,
  approve: `bluegreen approve [--reason TEXT]
  Approves the release waiting at an approval gate (ApproveSwap / ApproveFinalize).`,
  reject: `bluegreen reject [--reason TEXT]
  Rejects the release waiting at an approval gate: it is rolled back.`,
};

export function helpText(topic?: CommandName): string {
  const commands = topic ? COMMAND_HELP[topic] : Object.values(COMMAND_HELP).join('\n\n');
  return [
    'bluegreen: release, roll back and watch a BlueGreenService',
    '',
    commands,
    '',
    FIND_SERVICE,
    '',
    REHEARSE,
    '',
    EXIT_CODES,
    '',
    'On a terminal --follow draws a live display; otherwise it prints one key=value line per change.',
  ].join('\n');
}
