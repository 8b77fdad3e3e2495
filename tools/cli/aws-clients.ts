import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';

/** How to reach AWS: the SDK's default chain, narrowed by a region or profile, or the local endpoint. */
export interface AwsSettings {
  region?: string;
  profile?: string;
  /** The local system's endpoint (every service on one URL). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** A client as the tools use it: only `send`, so tests can hand in mocks or fakes. */
type Sender<C extends { send: unknown }> = Pick<C, 'send'>;

export interface AwsClients {
  cloudFormation: Sender<CloudFormationClient>;
  secrets: Sender<SecretsManagerClient>;
  sqs: Sender<SQSClient>;
  cloudWatch: Sender<CloudWatchClient>;
  scheduler: Sender<SchedulerClient>;
  sts: Sender<STSClient>;
}

/** The real SDK clients, made on first use with the same settings; `destroy()` closes those made. */
export function createAwsClients(settings: AwsSettings): AwsClients & { destroy(): void } {
  const config = {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // One attempt for the local endpoint (it does not throttle); the SDK's default retries on AWS.
    ...(settings.endpoint ? { maxAttempts: 1 } : {}),
  };
  const made: { destroy(): void }[] = [];
  const lazy = <C extends { destroy(): void }>(make: () => C) => {
    let client: C | undefined;
    return () => {
      if (!client) {
        client = make();
        made.push(client);
      }
      return client;
    };
  };
  const cloudFormation = lazy(() => new CloudFormationClient(config));
  const secrets = lazy(() => new SecretsManagerClient(config));
  const sqs = lazy(() => new SQSClient(config));
  const cloudWatch = lazy(() => new CloudWatchClient(config));
  const scheduler = lazy(() => new SchedulerClient(config));
  const sts = lazy(() => new STSClient(config));
  return {
    get cloudFormation() {
      return cloudFormation();
    },
    get secrets() {
      return secrets();
    },
    get sqs() {
      return sqs();
    },
    get cloudWatch() {
      return cloudWatch();
    },
    get scheduler() {
      return scheduler();
    },
    get sts() {
      return sts();
    },
    destroy: () => {
      for (const client of made) client.destroy();
    },
  };
}
