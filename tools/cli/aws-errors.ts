import { describeError, ToolError } from './errors.js';

/** Where the failed call went: a region on AWS, or the local system's endpoint. */
export interface AwsCallContext {
  /** What was being done, e.g. "reading the stack outputs" (completes "AWS denied …"). */
  action: string;
  region?: string;
  /** Set for the local system: its endpoint URL. */
  localEndpoint?: string;
}

const NO_CREDENTIALS =
  'No AWS credentials found: configure them (aws configure, aws sso login, AWS_PROFILE or --profile) so that `aws sts get-caller-identity` works, then run this again';

const nameOf = (e: unknown) => (e as { name?: unknown }).name;
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Whether the call never reached a server (refused, unknown host, reset). */
function isUnreachable(e: unknown): boolean {
  const code = (e as { code?: unknown }).code ?? (e as { cause?: { code?: unknown } }).cause?.code;
  return (
    typeof code === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EHOSTUNREACH'].includes(code)
  );
}

/**
 * An AWS SDK failure as a one-line `ToolError` that says what to do: no credentials, expired or refused
 * credentials, no region, access denied, an unreachable local endpoint; anything else keeps its name.
 */
export function awsFailure(e: unknown, context: AwsCallContext): ToolError {
  const name = nameOf(e);
  const message = messageOf(e);
  if (context.localEndpoint && isUnreachable(e)) {
    return new ToolError(
      `The local AWS endpoint ${context.localEndpoint} does not answer: start the local system (npm start) and run this again`,
    );
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new ToolError(NO_CREDENTIALS);
  }
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'RequestExpired') {
    return new ToolError(
      'Your AWS credentials have expired: refresh them (e.g. aws sso login) and run this again',
    );
  }
  if (
    name === 'InvalidClientTokenId' ||
    name === 'UnrecognizedClientException' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'InvalidSignatureException'
  ) {
    return new ToolError(
      `AWS refused the credentials (${String(name)}): check AWS_PROFILE/--profile and that \`aws sts get-caller-identity\` works`,
    );
  }
  if (/region is missing/i.test(message)) {
    return new ToolError('No AWS region: pass --region <region> or set AWS_REGION');
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'AuthorizationError') {
    return new ToolError(
      `AWS denied ${context.action}${context.region ? ` in ${context.region}` : ''} (${String(name)}): use credentials that may do it`,
    );
  }
  return new ToolError(`${context.action} failed: ${describeError(e)}`);
}

/** Runs one SDK call, turning its failure into a `ToolError` (see `awsFailure`). */
export async function awsCall<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ToolError) throw e;
    throw awsFailure(e, context);
  }
}
