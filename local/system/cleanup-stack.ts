type Cleanup = () => Promise<void> | void;

/**
 * What a start has to undo, undone newest first. A cleanup that fails is logged and the rest still
 * run, so one part that does not stop leaves no other part running.
 */
export class CleanupStack {
  private readonly cleanups: Cleanup[] = [];
  private unwinding: Promise<void> | undefined;

  push(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /** Runs every cleanup once; later calls wait for the same run. */
  unwind(): Promise<void> {
    this.unwinding ??= this.runAll();
    return this.unwinding;
  }

  private async runAll(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch (e) {
        console.error('[local] error while stopping', e);
      }
    }
  }
}
