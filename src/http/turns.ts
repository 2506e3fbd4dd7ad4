/**
 * Runs queued work one piece per event-loop turn, in arrival order.
 *
 * Answering a question is synchronous CPU work (about a millisecond). Left to itself, one turn of Node's
 * event loop reads every socket that has a request waiting and answers them all before it polls again,
 * so with 25 requests queued on a process a turn lasts ~25 ms. Anything else waiting on that process
 * waits for whole turns: under node:cluster, a new connection reaches a worker as an IPC message that
 * the worker must acknowledge before the primary hands it the next one, so 25 new connections took
 * 25 turns (~0.5 s) to arrive, and their first requests waited that long (measured with the load
 * bench's --timeline). Taking one piece of work per turn keeps every turn about a millisecond long.
 *
 * @example
 * const turns = new TurnQueue();
 * await turns.next(); // resolves in a later turn, after those queued before it
 * answer();
 */
export class TurnQueue {
  private readonly waiting: (() => void)[] = [];
  private head = 0;
  private scheduled = false;

  /** Resolves when it is this caller's turn: in a later event-loop turn, after earlier callers. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** Callers waiting now. */
  get length(): number {
    return this.waiting.length - this.head;
  }

  private schedule(): void {
    if (this.scheduled || this.length === 0) return;
    this.scheduled = true;
    // An immediate queued while immediates run waits for the next turn (after its I/O poll).
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const resolve = this.waiting[this.head++];
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    resolve?.();
    this.schedule();
  };
}
