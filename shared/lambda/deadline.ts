import type { Context } from 'aws-lambda';

/** Milliseconds to keep in reserve for answering after downstream calls give up. */
const RESPONSE_MARGIN_MS = 300;

/** The absolute time (epoch ms) by which downstream calls must finish, from the Lambda's remaining time. */
export function deadlineOf(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  marginMs = RESPONSE_MARGIN_MS,
): number {
  return Date.now() + Math.max(0, context.getRemainingTimeInMillis() - marginMs);
}

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
