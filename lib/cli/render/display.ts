/** What `--follow` shows its progress on: plain lines, a terminal display, or nothing. */
import type { PendingApproval } from '../history-events';
import type { ExecutionOutcome } from '../outcome';
import type { ProgressObservation } from '../progress';

export interface ProgressDisplay {
  /** Before the first observation; `heading` names the execution (`release 1.2.0`). */
  begin(heading: string): Promise<void>;
  observe(observation: ProgressObservation): void;
  approvalWaiting(time: number, pending: PendingApproval, selector: string): void;
  approvalAnswered(
    time: number,
    pending: PendingApproval,
    answer: 'approve' | 'reject',
    by: string,
    standIn: boolean,
  ): void;
  /** After the execution ended (or following stopped): shows the summary. */
  end(result: ExecutionOutcome, time: number): Promise<void>;
  /** Following failed: puts the terminal back (idempotent; nothing to do once ended). */
  close(): Promise<void>;
}

/** Shows nothing (the rehearsal's own setup runs). */
export const silentDisplay: ProgressDisplay = {
  begin: async () => undefined,
  observe: () => undefined,
  approvalWaiting: () => undefined,
  approvalAnswered: () => undefined,
  end: async () => undefined,
  close: async () => undefined,
};
