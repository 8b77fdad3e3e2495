import { ToolError } from '#tools/cli/errors.js';
import type { ApiKey } from './run.js';

export interface ApiKeySources {
  env: NodeJS.ProcessEnv;
  /** Whether a person can be asked (stdin and stdout are a terminal). */
  interactive: boolean;
  /** Asks for the key without echoing it (the CLI uses a masked password prompt). */
  prompt: (message: string) => Promise<string>;
  /** `--keep-key`: use the key already in the secret without asking. */
  keepStored: boolean;
}

const NO_KEY =
  'No Partnero API key: set PARTNERO_API_KEY, or run this in a terminal to be asked for it (--keep-key reuses the key already in the secret)';

/**
 * Where the API key comes from: `PARTNERO_API_KEY`, else the stored key with `--keep-key`, else a hidden
 * prompt (Enter keeps the stored key). The key is never printed, logged or put in a message.
 */
export function apiKeyFrom(sources: ApiKeySources): (stored: string | undefined) => Promise<ApiKey> {
  return async (stored) => {
    const fromEnv = sources.env.PARTNERO_API_KEY?.trim();
    if (fromEnv) return { value: fromEnv, origin: 'from PARTNERO_API_KEY' };
    if (sources.keepStored) {
      if (stored) return { value: stored, origin: 'kept from the secret' };
      throw new ToolError(
        '--keep-key: the secret holds no API key yet: set PARTNERO_API_KEY, or run this in a terminal to be asked for it',
      );
    }
    if (!sources.interactive) throw new ToolError(NO_KEY);
    const message = stored
      ? 'Partnero API key of your refer-a-friend program (Enter keeps the one in the secret):'
      : 'Partnero API key of your refer-a-friend program:';
    const typed = (await sources.prompt(message)).trim();
    if (typed) return { value: typed, origin: 'typed' };
    if (stored) return { value: stored, origin: 'kept from the secret' };
    throw new ToolError(NO_KEY);
  };
}
