import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";

/**
 * An alarm when `metric` goes above `threshold` in one period (missing data is fine), notifying the
 * client's alarm topic when it fires and again when it clears. Every Siyu alarm is one of these.
 */
export function notifyingAlarm(scope: Construct, id: string, props: { client: string; description: string; metric: cloudwatch.IMetric; threshold: number; topic: sns.ITopic }): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: `Siyu ${props.client} ${props.description}`,
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const action = new SnsAction(props.topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
