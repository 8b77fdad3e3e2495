/**
 * Recorded calls evaluated against the stack's policies with a maintained IAM policy evaluator
 * (@cloud-copilot/iam-simulate), the function's identity policy and the resource's policy (the bus's)
 * together: one verdict per IAM request, naming the call and, when it is refused, the action the
 * function's policy lacks.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { RecordedCall } from '#local/aws/call-recording.js';
import { type IamRequest, iamRequests } from './requests.js';
import { ACCOUNT, type FunctionPolicy } from './stack-policies.js';

export interface Verdict {
  fn: string;
  request: IamRequest;
  allowed: boolean;
  /** The evaluator's result or, when it refused the input, its errors. */
  detail: string;
}

/** One IAM request of `policy`'s function. */
export async function evaluate(policy: FunctionPolicy, request: IamRequest): Promise<Verdict> {
  const result = await runSimulation(
    {
      request: {
        principal: policy.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: {
          'aws:PrincipalAccount': ACCOUNT,
          'aws:PrincipalArn': policy.principal,
          ...request.context,
        },
      },
      identityPolicies: [{ name: `${policy.fn}-policy`, policy: policy.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policy.resourcePolicies[request.resource]
        ? { resourcePolicy: policy.resourcePolicies[request.resource] }
        : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    return {
      fn: policy.fn,
      request,
      allowed: false,
      detail: `evaluator error: ${JSON.stringify(result.errors)}`,
    };
  }
  return {
    fn: policy.fn,
    request,
    allowed: result.overallResult === 'Allowed',
    detail: result.overallResult,
  };
}

/** Every recorded call a function made (calls outside any invocation are not a function's). */
export async function evaluateCalls(
  calls: RecordedCall[],
  policies: Record<string, FunctionPolicy>,
): Promise<{ verdicts: Verdict[]; unknownFunctions: string[] }> {
  const verdicts: Verdict[] = [];
  const unknownFunctions = new Set<string>();
  const seen = new Set<string>();
  for (const call of calls) {
    if (!call.function) continue;
    const policy = policies[call.function];
    if (!policy) {
      unknownFunctions.add(call.function);
      continue;
    }
    for (const request of iamRequests(call)) {
      // The same request twice has the same verdict: evaluated once.
      const key = JSON.stringify([call.function, request.action, request.resource, request.context]);
      if (seen.has(key)) continue;
      seen.add(key);
      verdicts.push(await evaluate(policy, request));
    }
  }
  return { verdicts, unknownFunctions: [...unknownFunctions] };
}

/** A refusal as the failure message names it: the function, the call and the missing action. */
export const refusal = (v: Verdict) =>
  `${v.fn}: ${v.request.describe} is not allowed by the stack (${v.detail}); its policy lacks ${v.request.action} on ${v.request.resource}${
    Object.keys(v.request.context).length ? ` for ${JSON.stringify(v.request.context)}` : ''
  }`;
