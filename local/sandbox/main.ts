import { startSandbox } from './index.js';

const sandbox = await startSandbox({
  port: Number(process.env.PORT ?? 4010),
  stateFile: process.env.SANDBOX_STATE_FILE,
});
console.log(`Partnero sandbox: ${sandbox.url}`);
console.log(`  API URL: ${sandbox.apiUrl}`);
console.log(`  API key: ${sandbox.apiKey}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sandbox.close().then(() => process.exit(0)));
}
