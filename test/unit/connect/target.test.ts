import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import { requireOutput } from '#tools/cli/stack-outputs.js';
import { resolveTarget, type TargetOptions } from '#tools/cli/target.js';

const cfn = mockClient(CloudFormationClient);
beforeEach(() => {
  cfn.reset();
});

const dir = mkdtempSync(join(tmpdir(), 'target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resolve = (options: Partial<TargetOptions>, env: NodeJS.ProcessEnv = {}) =>
  resolveTarget({ stage: 'dev', ...options }, { env, makeClients: createAwsClients }).then(
    ({ target }) => target,
  );

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('the stack from CloudFormation', () => {
  it('reads the outputs of partnero-referrals-<stage>', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'partnero-referrals-prod' }).resolves({
      Stacks: [
        {
          StackName: 'partnero-referrals-prod',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'WebhookUrl', OutputValue: 'https://x.example/webhooks/partnero' },
            { OutputKey: 'SecretName', OutputValue: 'partnero-referrals-prod/partnero-api-key' },
          ],
        },
      ],
    });
    const target = await resolve({ stage: 'prod', region: 'eu-west-1' });
    expect(target).toMatchObject({
      stackName: 'partnero-referrals-prod',
      source: 'CloudFormation (eu-west-1)',
      local: false,
      aws: { region: 'eu-west-1' },
      partneroUrl: 'https://api.partnero.com/v1',
      outputs: {
        WebhookUrl: 'https://x.example/webhooks/partnero',
        SecretName: 'partnero-referrals-prod/partnero-api-key',
      },
    });
  });

  it('takes Partnero from --partnero-url over PARTNERO_API_URL over the stack default', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' }] });
    expect((await resolve({}, { PARTNERO_API_URL: 'https://env.example/v1' })).partneroUrl).toBe(
      'https://env.example/v1',
    );
    expect(
      (
        await resolve(
          { partneroUrl: 'https://flag.example/v1' },
          { PARTNERO_API_URL: 'https://env.example/v1' },
        )
      ).partneroUrl,
    ).toBe('https://flag.example/v1');
  });

  it('says to deploy when the stack does not exist', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id partnero-referrals-dev does not exist'));
    await expect(resolve({ region: 'eu-west-1' })).rejects.toThrow(
      'Stack partnero-referrals-dev does not exist in eu-west-1: deploy it first (npx cdk deploy), or name the stage and region it lives in (--stage, --region)',
    );
  });

  it.each([
    [
      'CredentialsProviderError',
      'Could not load credentials from any providers',
      /^No AWS credentials found: configure them/,
    ],
    [
      'ExpiredTokenException',
      'The security token included in the request is expired',
      /^Your AWS credentials have expired/,
    ],
    [
      'UnrecognizedClientException',
      'The security token is invalid',
      /^AWS refused the credentials \(UnrecognizedClientException\)/,
    ],
    [
      'AccessDenied',
      'not authorized to perform: cloudformation:DescribeStacks',
      /^AWS denied reading stack partnero-referrals-dev in eu-west-1 \(AccessDenied\)/,
    ],
    ['Error', 'Region is missing', /^No AWS region: pass --region/],
  ])('turns %s into one line saying what to do', async (name, message, expected) => {
    cfn.on(DescribeStacksCommand).rejects(awsError(name, message));
    await expect(resolve({ region: 'eu-west-1' })).rejects.toThrow(expected);
  });
});

describe('the stack from a cdk outputs file', () => {
  const write = (name: string, json: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(json));
    return file;
  };

  it('takes the only stack in the file, or the one of the stage named', async () => {
    const one = write('one.json', {
      'partnero-referrals-qa': { WebhookUrl: 'https://qa/webhooks/partnero', Count: 3 },
    });
    expect(await resolve({ outputsFile: one })).toMatchObject({
      stackName: 'partnero-referrals-qa',
      outputs: { WebhookUrl: 'https://qa/webhooks/partnero' },
      source: one,
    });
    const two = write('two.json', {
      'partnero-referrals-a': {},
      'partnero-referrals-b': { SecretName: 'b' },
    });
    await expect(resolve({ outputsFile: two })).rejects.toThrow(/holds 2 stacks .* pass --stage to pick one/);
    expect((await resolve({ outputsFile: two, stage: 'b', stageGiven: true })).outputs).toEqual({
      SecretName: 'b',
    });
    await expect(resolve({ outputsFile: two, stage: 'c', stageGiven: true })).rejects.toThrow(
      /has no stack partnero-referrals-c \(it has: partnero-referrals-a, partnero-referrals-b\)/,
    );
    expect(cfn.calls()).toHaveLength(0);
  });

  it('says how to write the file when it is missing or not JSON', async () => {
    await expect(resolve({ outputsFile: join(dir, 'missing.json') })).rejects.toThrow(
      /missing\.json does not exist: write it with npx cdk deploy --outputs-file/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    await expect(resolve({ outputsFile: bad })).rejects.toThrow(/bad\.json is not valid JSON/);
  });

  it('names the output a stack lacks', () => {
    expect(() => requireOutput({}, 'WebhookSecretName', 'partnero-referrals-old')).toThrow(
      'Stack partnero-referrals-old has no WebhookSecretName output: deploy the current version of this project (npx cdk deploy) and run this again',
    );
  });
});
