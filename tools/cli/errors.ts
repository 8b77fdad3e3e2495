/**
 * A failure the person running the tool can fix: `message` is one line saying what is wrong and what to
 * do. It never holds a secret (API keys and signing secrets stay out of every message).
 */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    message: string,
    /** What the process exits with. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const isToolError = (e: unknown): e is ToolError => e instanceof ToolError;

/** The name and message of anything thrown, for the one-line fallback. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name && e.name !== 'Error' && !e.message.startsWith(e.name)
    ? `${e.name}: ${e.message}`
    : e.message;
}

/**
 * Runs a tool's main and exits with its code. A `ToolError` prints as one line saying what to do (and
 * its exit code); anything else prints as one line too, with exit code 1.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`error: ${isToolError(e) ? e.message : describeError(e)}`);
      process.exitCode = isToolError(e) ? e.exitCode : 1;
    },
  );
}
