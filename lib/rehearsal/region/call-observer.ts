/**
 * Observers of the region's API calls: told of each call just before it takes effect and just
 * after (before the answer reaches the caller). The rehearsal's harnesses act at these instants:
 * stop an execution between a call and its effect, or start another one at a call boundary.
 */

/** One call the region is answering. */
export interface ObservedCall {
  /** 0 for the first call the region answered, then 1, 2, ... (invalid parameters excluded). */
  readonly sequence: number;
  /** Virtual ms. */
  readonly time: number;
  readonly service: string;
  /** Without the `Command` suffix. */
  readonly command: string;
  readonly mutating: boolean;
}

export interface CallObserver {
  /** The call is valid and about to be answered: nothing of it has happened yet. */
  before?(call: ObservedCall): void;
  /** The call took effect (`outcome` 'ok') or failed with the named error; its answer is not delivered yet. */
  after?(call: ObservedCall, outcome: string): void;
}

export class CallObservers {
  private readonly observers: CallObserver[] = [];
  private sequence = 0;

  /** Adds an observer; returns the function that removes it. */
  public add(observer: CallObserver): () => void {
    this.observers.push(observer);
    return () => {
      const index = this.observers.indexOf(observer);
      if (index >= 0) this.observers.splice(index, 1);
    };
  }

  /** @internal The call about to be answered: numbers it and tells every observer. */
  public before(time: number, service: string, command: string, mutating: boolean): ObservedCall {
    const call: ObservedCall = { sequence: this.sequence++, time, service, command, mutating };
    for (const observer of [...this.observers]) observer.before?.(call);
    return call;
  }

  /** @internal */
  public after(call: ObservedCall, outcome: string): void {
    for (const observer of [...this.observers]) observer.after?.(call, outcome);
  }
}
