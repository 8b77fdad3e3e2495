// `tsx test/aws/iam/check-call-log.ts <file>`: evaluates every call recorded in `file` (written by the
// local AWS endpoint when LOCAL_AWS_CALL_LOG is set, e.g. during `npm test` and `npm run test:e2e` in
// .ci/run) against the synthesized stack's policies, as test/aws/iam.test.ts does for its own run.
// Prints the calls evaluated per function and every refusal; exits 1 when a call is refused.
import { readFileSync } from 'node:fs';
import type { RecordedCall } from '#local/aws/call-recording.js';
import { startLocalSystem } from '#local/system.js';
import { synth } from '#test/infra/synth.js';
import { evaluateCalls, refusal } from './evaluate.js';
import { functionPolicies } from './stack-policies.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const file = process.argv[2];
if (!file) {
  console.error('usage: tsx test/aws/iam/check-call-log.ts <calls.jsonl>');
  process.exit(2);
}
const calls = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as RecordedCall);

// The functions' environment of a local system names the local resources the stack's stand for.
const system = await startLocalSystem({ port: 0, sandboxPort: 0, awsPort: 0 });
const env = { ...system.env };
await system.close();

const { verdicts, unknownFunctions } = await evaluateCalls(calls, functionPolicies(synth().template, env));
const perFunction: Record<string, number> = {};
for (const v of verdicts) perFunction[v.fn] = (perFunction[v.fn] ?? 0) + 1;
console.log(
  `${calls.length} AWS calls recorded, ${calls.filter((c) => c.function).length} by functions; ` +
    `distinct IAM requests evaluated per function: ${JSON.stringify(perFunction)}`,
);
const refused = verdicts.filter((v) => !v.allowed);
for (const v of refused) console.log(`REFUSED ${refusal(v)}`);
for (const fn of unknownFunctions) console.log(`REFUSED calls by ${fn}, a function the stack does not have`);
console.log(
  refused.length + unknownFunctions.length === 0 ? 'IAM: every recorded call is allowed' : 'IAM: FAILED',
);
process.exit(refused.length + unknownFunctions.length === 0 ? 0 : 1);
