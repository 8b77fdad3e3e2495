import { Validations } from 'aws-cdk-lib';
import { Topic, type TopicProps } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/**
 * The topic the alarms notify when none is configured: alarms that reach no one are only noticed by
 * whoever happens to open the console. Subscribe to it (`aws sns subscribe`, see the AlarmTopicArn
 * output), or configure `alarmEmail`.
 */
export function createAlarmTopic(scope: Construct, id: string, props: TopicProps = {}): Topic {
  const topic = new Topic(scope, id, {
    displayName: 'Partnero referrals alarms',
    enforceSSL: true,
    ...props,
  });
  if (!props.masterKey) {
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and states, no customer data; CloudWatch can publish to an encrypted topic only with a customer managed KMS key (monthly cost, key policy for cloudwatch.amazonaws.com): pass alarmTopicProps.masterKey, or configure alarmTopicArn, to encrypt.',
    });
  }
  return topic;
}

/** An email subscription: AWS sends a confirmation link, and notifications start once it is clicked. */
export const createEmailSubscription = (address: string) => new EmailSubscription(address);
