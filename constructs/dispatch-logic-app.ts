import { LogicAppActionCustom } from '@cdktf/provider-azurerm/lib/logic-app-action-custom';
import { LogicAppTriggerHttpRequest } from '@cdktf/provider-azurerm/lib/logic-app-trigger-http-request';
import { LogicAppWorkflow } from '@cdktf/provider-azurerm/lib/logic-app-workflow';
import { Construct } from 'constructs';
import { TRIGGER_NAME, type WorkflowDefinition } from '../lib/logic-app-definition';

export interface DispatchLogicAppProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** The workflow, built by `buildLogicAppDefinition`. */
  readonly definition: WorkflowDefinition;
}

/**
 * The Logic App (Consumption) that receives Event Grid deliveries and sends the
 * repository dispatch. It has a system-assigned identity (to read the token from Key
 * Vault); its definition is deployed as one trigger resource and one resource per
 * top-level action, each action's body exactly the JSON the definition builder wrote.
 */
export class DispatchLogicApp extends Construct {
  public readonly workflowId: string;
  /** Object ID of the workflow's managed identity. */
  public readonly principalId: string;
  /** The trigger's URL, including its SAS signature: a secret. */
  public readonly callbackUrl: string;
  /** The action resources: the workflow answers requests as designed once they exist. */
  public readonly actions: readonly LogicAppActionCustom[];

  constructor(scope: Construct, id: string, props: DispatchLogicAppProps) {
    super(scope, id);
    const workflow = new LogicAppWorkflow(this, 'workflow', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      identity: { type: 'SystemAssigned' },
    });
    this.workflowId = workflow.id;
    this.principalId = workflow.identity.principalId;

    const trigger = props.definition.triggers[TRIGGER_NAME];
    const request = new LogicAppTriggerHttpRequest(this, 'trigger', {
      logicAppId: workflow.id,
      name: TRIGGER_NAME,
      method: 'POST',
      schema: JSON.stringify(trigger.inputs.schema),
    });
    this.callbackUrl = request.callbackUrl;

    // Each action is written into the workflow by its own resource; one that runs after
    // another must be created after it, or Azure rejects the dangling runAfter.
    const created = new Map<string, LogicAppActionCustom>();
    for (const [name, action] of Object.entries(props.definition.actions)) {
      const predecessors = Object.keys(action.runAfter).map((p) => {
        const before = created.get(p);
        if (!before) throw new Error(`Action ${name} runs after ${p}, which must come before it.`);
        return before;
      });
      created.set(
        name,
        new LogicAppActionCustom(this, `action-${name}`, {
          logicAppId: workflow.id,
          name,
          body: JSON.stringify(action),
          dependsOn: [request, ...predecessors],
        }),
      );
    }
    this.actions = [...created.values()];
  }
}
