import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { Construct } from 'constructs';

export interface FailureAlertsProps {
  readonly resourceGroupName: string;
  /** Action group name; its first 12 characters are also its short name (SMS/email sender). */
  readonly actionGroupName: string;
  /** Who hears about failures (at least one address). */
  readonly emails: readonly string[];
  /** Resource ID of the Logic App workflow. */
  readonly logicAppId: string;
  /** Resource ID of the Event Grid system topic. */
  readonly systemTopicId: string;
  /** Name of the event subscription whose dead letters and drops are watched. */
  readonly eventSubscriptionName: string;
}

/**
 * Makes failures visible: an alert for every failed Logic App run (a dispatch that
 * did not reach GitHub) and for every event Event Grid dead-lettered or dropped.
 */
export class FailureAlerts extends Construct {
  constructor(scope: Construct, id: string, props: FailureAlertsProps) {
    super(scope, id);
    const actionGroup = new MonitorActionGroup(this, 'action-group', {
      name: props.actionGroupName,
      resourceGroupName: props.resourceGroupName,
      shortName: props.actionGroupName.slice(0, 12),
      emailReceiver: props.emails.map((address, i) => ({
        name: `email-${i}`,
        emailAddress: address,
        useCommonAlertSchema: true,
      })),
    });
    const action = [{ actionGroupId: actionGroup.id }];
    const common = {
      resourceGroupName: props.resourceGroupName,
      severity: 1,
      frequency: 'PT1M',
      windowSize: 'PT5M',
      action,
    };

    new MonitorMetricAlert(this, 'logic-app-runs-failed', {
      ...common,
      name: `${props.actionGroupName}-runs-failed`,
      description: 'A model registration was not dispatched to GitHub: open the failed run.',
      scopes: [props.logicAppId],
      criteria: [
        {
          metricNamespace: 'Microsoft.Logic/workflows',
          metricName: 'RunsFailed',
          aggregation: 'Total',
          operator: 'GreaterThan',
          threshold: 0,
        },
      ],
    });
    // Criteria of one metric alert must all hold at once, so each metric has its own alert.
    const eventMetrics = [
      ['dead-lettered', 'DeadLetteredCount', 'see the dead-letter container'],
      ['dropped', 'DroppedEventCount', 'it could not be dead-lettered either'],
    ] as const;
    for (const [suffix, metricName, hint] of eventMetrics) {
      new MonitorMetricAlert(this, `events-${suffix}`, {
        ...common,
        name: `${props.actionGroupName}-events-${suffix}`,
        description: `Event Grid gave up delivering a ModelRegistered event: ${hint}.`,
        scopes: [props.systemTopicId],
        criteria: [
          {
            metricNamespace: 'Microsoft.EventGrid/systemTopics',
            metricName,
            aggregation: 'Total',
            operator: 'GreaterThan',
            threshold: 0,
            dimension: [
              {
                name: 'EventSubscriptionName',
                operator: 'Include',
                values: [props.eventSubscriptionName],
              },
            ],
          },
        ],
      });
    }
  }
}
