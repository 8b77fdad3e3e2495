/**
 * One cold start, in a fresh `node` process: import the bundle, invoke its handler once with the
 * event, report the times and the peak RSS on file descriptor 3. It loads nothing before the
 * measured import beyond what Node has already loaded (fs, url), so the bundle pays for its own modules.
 *
 * Spec (env BENCH_SPEC, JSON): { bundle, eventFile, functionName, requestId, kind: 'http' | 'sqs' }
 */
import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Spec {
  bundle: string;
  eventFile: string;
  functionName: string;
  requestId: string;
  kind: 'http' | 'sqs';
}

const spec = JSON.parse(process.env.BENCH_SPEC ?? '{}') as Spec;
const event = JSON.parse(readFileSync(spec.eventFile, 'utf8'));
const deadline = Date.now() + 10_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: spec.functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${spec.functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: spec.requestId,
  logGroupName: `/aws/lambda/${spec.functionName}`,
  logStreamName: '2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

const report = (result: Record<string, unknown>) => {
  writeSync(3, JSON.stringify(result));
  process.exit(0);
};

try {
  const started = performance.now();
  const mod = await import(pathToFileURL(spec.bundle).href);
  const imported = performance.now();
  const result = await mod.handler(event, context);
  const invoked = performance.now();
  const failures = spec.kind === 'sqs' ? (result?.batchItemFailures?.length ?? -1) : 0;
  const ok = spec.kind === 'sqs' ? failures === 0 : result?.statusCode >= 200 && result?.statusCode < 300;
  report({
    ok,
    status: spec.kind === 'sqs' ? `${failures} batch item failures` : result?.statusCode,
    ...(ok ? {} : { body: String(result?.body ?? JSON.stringify(result)).slice(0, 500) }),
    importMs: imported - started,
    firstInvokeMs: invoked - imported,
    totalMs: invoked - started,
    processStartToReadyMs: invoked,
    maxRssKb: process.resourceUsage().maxRSS,
  });
} catch (error) {
  report({ ok: false, status: 'crashed', body: String((error as Error)?.stack ?? error).slice(0, 1000) });
}
