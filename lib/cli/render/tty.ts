/**
 * `--follow` on a terminal: a live listr2 display. One task stands for the execution: its title
 * shows the current step, a bar of healthy/wanted instances and the elapsed time; each step left
 * behind is kept as a line under it. It ends ticked, or crossed when the release did not happen,
 * followed by the summary sentence.
 *
 * listr2 9 is the newest release that declares Node 20, ships a CommonJS build (so it loads under
 * ts-node and jest), and draws with log-update. Its spinner runs on real timers: the display is
 * started outside any rehearsal call, so it animates in real time while virtual time races.
 */
import { Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import { formatDuration } from '../format';
import type { PendingApproval } from '../history-events';
import type { Printer } from '../io';
import type { ExecutionOutcome } from '../outcome';
import { approvalInstruction, displayTitle, summarySentence, type ProgressObservation } from '../progress';
import type { ProgressDisplay } from './display';

type Task = ListrTaskWrapper<unknown, never, never>;

export class TerminalDisplay implements ProgressDisplay {
  private task?: Task;
  private run?: Promise<unknown>;
  private finish?: (error?: Error) => void;
  private heading = '';
  private lastStep?: { name: string; time: number };
  private startTime?: number;

  constructor(
    private readonly terminal: NodeJS.WriteStream,
    private readonly out: Printer,
  ) {}

  public async begin(heading: string): Promise<void> {
    this.heading = heading;
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const done = new Promise<void>((resolve, reject) => {
      this.finish = (error) => (error ? reject(error) : resolve());
    });
    const listr = new Listr(
      [
        {
          title: heading,
          task: async (_ctx, task) => {
            this.task = task as unknown as Task;
            started();
            await done;
          },
          rendererOptions: { bottomBar: Infinity, persistentOutput: true },
        },
      ],
      {
        renderer: 'default',
        rendererOptions: {
          collapseErrors: false,
          logger: new ListrLogger({
            useIcons: true,
            processOutput: new ProcessOutput(this.terminal, this.terminal),
          }),
        },
        exitOnError: true,
      },
    );
    this.run = listr.run().catch(() => undefined);
    await ready;
  }

  public observe(o: ProgressObservation): void {
    if (!this.task) return;
    this.startTime ??= o.time - o.elapsedSeconds * 1000;
    if (this.lastStep && this.lastStep.name !== o.step) {
      this.task.output = `${this.lastStep.name}  ${formatDuration((o.time - this.lastStep.time) / 1000)}`;
    }
    if (!this.lastStep || this.lastStep.name !== o.step) this.lastStep = { name: o.step, time: o.time };
    this.task.title = displayTitle(this.heading, o);
  }

  public approvalWaiting(_time: number, pending: PendingApproval, selector: string): void {
    if (!this.task) return;
    this.task.output = `waiting for approval before ${pending.gate ?? 'the next step'} (${pending.version ?? '?'} on ${pending.colour ?? '?'}): ${approvalInstruction(selector)}`;
  }

  public approvalAnswered(
    _time: number,
    pending: PendingApproval,
    answer: 'approve' | 'reject',
    by: string,
    standIn: boolean,
  ): void {
    if (!this.task) return;
    this.task.output = `${answer === 'approve' ? 'approved' : 'rejected'} ${pending.gate ?? ''} by ${by}${standIn ? ' (the rehearsal, --rehearse-answer)' : ''}`;
  }

  public async end(result: ExecutionOutcome): Promise<void> {
    const success =
      result.status === 'SUCCEEDED' && (result.outcome === 'released' || result.action === 'rollback');
    if (this.task) {
      if (this.lastStep) this.task.output = this.lastStep.name;
      this.task.title = `${this.heading}  ${result.outcome}${result.durationSeconds !== undefined ? `  ${formatDuration(result.durationSeconds)}` : ''}`;
    }
    this.finish?.(success ? undefined : new Error(result.reason ?? result.error ?? result.outcome));
    this.finish = undefined;
    await this.run;
    this.out.line(summarySentence(result));
  }

  public async close(): Promise<void> {
    this.finish?.(new Error('stopped following'));
    this.finish = undefined;
    await this.run;
  }
}
