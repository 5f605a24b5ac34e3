import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { approvalTemplate, cli, cliEnvironment, released } from './harness';

const CALLER = 'arn:aws:sts::123456789012:assumed-role/rehearsal-operator/rehearsal';

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    out[match[1]] = match[2].startsWith('"') ? JSON.parse(match[2]) : match[2];
  }
  return out;
}

/** A service with a gate before the swap: 1.0.0 released (approved), 1.1.0 waiting at ApproveSwap. */
async function waitingAtTheGate() {
  const { r, env } = await released(['1.0.0'], approvalTemplate());
  const started = await cli(['release', '1.1.0'], env);
  const name = fields(started.stdout[0]).execution;
  await r.advance(120);
  const executionArn = `${r.service.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const sfn = new SFNClient({ region: 'sim-east-1' });
  const describe = () => r.perform(() => sfn.send(new DescribeExecutionCommand({ executionArn })));
  return { r, env, name, describe };
}

describe('bluegreen approve / reject', () => {
  test('approve answers the waiting request with SendTaskSuccess {approvedBy, reason}; the release goes on', async () => {
    const { r, env, name, describe } = await waitingAtTheGate();
    const request = JSON.parse(r.region.publishedMessages().at(-1)!.message);
    expect(request).toMatchObject({
      kind: 'approval-request',
      gate: 'swap',
      version: '1.1.0',
      colour: 'green',
    });

    const run = await cli(['approve', '--reason', 'canary looks good'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toEqual([]);
    expect(fields(run.stdout[0])).toEqual({
      time: expect.any(String),
      step: 'ApproveSwap',
      approval: 'approved',
      gate: 'swap',
      version: '1.1.0',
      execution: name,
      by: CALLER,
    });
    await r.advance(600);
    const described = await describe();
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!).approval).toEqual({
      approvedBy: CALLER,
      reason: 'canary looks good',
    });
    // Answered once: nothing waits any more.
    expect((await cli(['approve'], env)).code).toBe(2);
    expect(r.violations()).toEqual([]);
  });

  test('reject answers with SendTaskFailure ReleaseRejected; the release is rolled back', async () => {
    const { r, env, describe } = await waitingAtTheGate();
    const run = await cli(['reject', '--reason', 'not today'], env);
    expect(run.code).toBe(0);
    expect(fields(run.stdout[0])).toMatchObject({ approval: 'rejected', gate: 'swap', by: CALLER });
    await r.advance(600);
    const described = await describe();
    expect(described).toMatchObject({ status: 'FAILED', error: 'ReleaseRolledBack' });
    expect(described.cause).toBe(`release rejected by ${CALLER}: not today`);
    const status = await cli(['status'], env);
    expect(status.stdout[2]).toMatch(/^live {5}blue {2}version 1\.0\.0 /);
    expect(r.violations()).toEqual([]);
  });

  test('--follow shows the request and, in a rehearsal, the stand-in answer (--rehearse-answer reject): exit 1', async () => {
    const { r } = await released(['1.0.0'], approvalTemplate());
    const run = await cli(['release', '1.1.0', '--follow'], cliEnvironment(r, 'reject'));
    expect(run.code).toBe(1);
    const waiting = run.stdout.find((l) => fields(l).approval === 'waiting')!;
    expect(fields(waiting)).toMatchObject({
      step: 'ApproveSwap',
      gate: 'swap',
      version: '1.1.0',
      colour: 'green',
      run: 'bluegreen approve --stack Demo; or: bluegreen reject --stack Demo --reason TEXT',
    });
    const answered = run.stdout.find((l) => fields(l).approval === 'rejected')!;
    expect(fields(answered)).toMatchObject({
      by: CALLER,
      note: 'answered by the rehearsal (--rehearse-answer)',
    });
    expect(fields(run.stdout.at(-1)!)).toMatchObject({
      outcome: 'rolled-back',
      error: 'ReleaseRolledBack',
      requested: '1.1.0',
    });
  });
});
