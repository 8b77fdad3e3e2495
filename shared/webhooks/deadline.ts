/** Milliseconds left before `deadline` (an absolute epoch-ms time), at least 1 so timers still fire. */
export const msUntil = (deadline: number, now = Date.now()) => Math.max(1, deadline - now);

/**
 * Waits for `work` until `deadline`; after that rejects with `onTimeout()`. The work itself carries on
 * (e.g. a secret read whose result is cached for the next call); its outcome is then ignored.
 */
export async function beforeDeadline<T>(
  work: Promise<T>,
  deadline: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), msUntil(deadline));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
