// Browser end-to-end test of the demo: `npm run test:e2e` (tsx test/e2e/run.ts).
// Starts `npm start` on free ports, drives Debian's Chromium with playwright-core, prints PASS/FAIL per
// step and a final "N passed, M failed" line; exits non-zero when anything failed.
import { type ChildProcess, spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { type DemoUrls, demoSteps } from './demo.e2e.js';

const START_TIMEOUT_MS = 60_000;

function startSystem(): { child: ChildProcess; urls: Promise<DemoUrls>; output: () => string } {
  const child = spawn('npm', ['start', '--silent', '--', '--quiet'], {
    // No state file and no outputs file: a developer's own `npm start` keeps its files while this runs.
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_PORT: '0',
      AWS_PORT: '0',
      SANDBOX_STATE_FILE: '',
      LOCAL_OUTPUTS_FILE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the whole tree stops at the end
  });
  let output = '';
  const urls = new Promise<DemoUrls>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start printed no banner within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const demo = /Demo shop\s+(http:\/\/\S+)/.exec(output)?.[1];
      const sandbox = /Partnero sandbox\s+(http:\/\/\S+)/.exec(output)?.[1];
      if (demo && sandbox) {
        clearTimeout(timer);
        resolve({ demo, sandbox });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, urls, output: () => output };
}

async function stopSystem(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGINT');
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<number> {
  const system = startSystem();
  let passed = 0;
  let failed = 0;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    const urls = await system.urls;
    console.log(`System up: demo ${urls.demo}, sandbox ${urls.sandbox}`);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const { steps, close } = demoSteps(browser, urls, (line) => console.log(line));
    let broken = false;
    for (const step of steps) {
      if (broken) {
        failed += 1;
        console.log(`FAIL  ${step.name} (not run: an earlier step failed)`);
        continue;
      }
      const started = Date.now();
      try {
        await step.run();
        passed += 1;
        console.log(`PASS  ${step.name} (${Date.now() - started} ms)`);
      } catch (e) {
        failed += 1;
        broken = true;
        console.log(`FAIL  ${step.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    await close();
  } catch (e) {
    failed += 1;
    console.log(`FAIL  setup: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await stopSystem(system.child);
  }
  console.log('Screenshots: test-results/e2e/');
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
