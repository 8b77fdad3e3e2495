// The `variants` jest project: the sandbox answers any plausible reading where Partnero is silent
// (test/support/sandbox-mode.ts), with this seed so a failure can be replayed.
process.env.SANDBOX_VARIANTS ??= '7';
