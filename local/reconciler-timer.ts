/**
 * What EventBridge Scheduler does for the deployed stack: invokes the reconciler every `intervalMs`,
 * one run at a time (a run still going when the next is due makes that one skip).
 */
export function startReconcilerTimer(options: {
  intervalMs: number;
  invoke: () => Promise<unknown>;
  onError?: (error: unknown) => void;
}) {
  let running: Promise<unknown> | undefined;
  const run = () => {
    running ??= options
      .invoke()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = options.intervalMs > 0 ? setInterval(run, options.intervalMs) : undefined;
  timer?.unref();
  return {
    /** Runs a sweep now (or waits for the one in progress). */
    runNow: run,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
