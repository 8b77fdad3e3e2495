/**
 * moto's server (an independent AWS implementation, `pip install 'moto[server]'`) for the tests that
 * check our local AWS twin and the stack against it, and the gate every such test goes through when a
 * tool is missing: on a laptop the checks do not run, and say so (a warning naming the tool and how to
 * get it, and a passing test whose name says the check did not run); under CI=true they fail.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from '@jest/globals';

export const TOOLS = {
  moto_server: "pip install 'moto[server]==5.2.*'",
  'cfn-lint': "pip install 'cfn-lint==1.*'",
} as const;
export type Tool = keyof typeof TOOLS;

/** Whether `tool` is on the PATH (and runs). */
export function hasTool(tool: Tool): boolean {
  return spawnSync(tool, ['--help'], { stdio: 'ignore' }).status === 0;
}

const inCi = () => process.env.CI === 'true' || process.env.CI === '1';

/**
 * `describe(name, body)` when `tool` is installed. Otherwise, under CI one failing test naming the
 * missing tool; on a laptop a warning and one skipped test whose name says which check was skipped
 * and how to get the tool.
 */
export function describeWithTool(tool: Tool, name: string, body: () => void): void {
  if (hasTool(tool)) {
    describe(name, body);
    return;
  }
  const message = `${tool} is not installed, so "${name}" cannot run. Install it with: ${TOOLS[tool]}`;
  if (inCi()) {
    describe(name, () => {
      it(`needs ${tool}`, () => {
        throw new Error(`${message} (CI=true: missing tools fail the run)`);
      });
    });
    return;
  }
  // On a laptop the checks do not run, and both the log and the test report say so: a line on stderr,
  // and a test (not a skipped one, which a report hides in a count) that confirms the tool is missing
  // and names how to install it.
  process.stderr.write(`\nNOT RUN: ${message}\n`);
  describe(name, () => {
    it(`did not run: ${tool} is not installed (${TOOLS[tool]})`, () => {
      expect(hasTool(tool)).toBe(false);
      expect(message).toContain(TOOLS[tool]);
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface MotoServer {
  url: string;
  /** Forgets every resource (moto's `/moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function ready(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${log()}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer at ${url}: ${log()}`);
}

/** Starts `moto_server` on 127.0.0.1 and a free port; `stop()` ends that process (and only it). */
export async function startMoto(): Promise<MotoServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    };
    try {
      await ready(url, child, () => stderr);
    } catch (error) {
      await stop();
      // Another process took the port between our probe and moto's bind: try another one.
      if (attempt < 3 && /in use/i.test(stderr)) continue;
      throw error;
    }
    return {
      url,
      stop,
      reset: async () => {
        const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`moto reset: HTTP ${res.status}`);
      },
    };
  }
}
