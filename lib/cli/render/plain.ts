/** `--follow` when stdout is not a terminal: one parseable `key=value` line per change. */
import type { Printer } from '../io';
import type { PendingApproval } from '../history-events';
import type { ExecutionOutcome } from '../outcome';
import {
  approvalAnsweredLine,
  approvalWaitingLine,
  progressLine,
  ProgressTracker,
  summaryLine,
  type ProgressObservation,
} from '../progress';
import type { ProgressDisplay } from './display';

export class PlainDisplay implements ProgressDisplay {
  private readonly tracker = new ProgressTracker();

  constructor(private readonly out: Printer) {}

  public async begin(): Promise<void> {}

  public observe(observation: ProgressObservation): void {
    if (this.tracker.isChange(observation)) this.out.line(progressLine(observation));
  }

  public approvalWaiting(time: number, pending: PendingApproval, selector: string): void {
    this.out.line(approvalWaitingLine(time, pending, selector));
  }

  public approvalAnswered(
    time: number,
    pending: PendingApproval,
    answer: 'approve' | 'reject',
    by: string,
    standIn: boolean,
  ): void {
    this.out.line(approvalAnsweredLine(time, pending, answer, by, standIn));
  }

  public async end(result: ExecutionOutcome, time: number): Promise<void> {
    this.out.line(summaryLine(time, result));
  }

  public async close(): Promise<void> {}
}
