import { LogicAppActionCustom } from '@cdktf/provider-azurerm/lib/logic-app-action-custom';
import { LogicAppTriggerHttpRequest } from '@cdktf/provider-azurerm/lib/logic-app-trigger-http-request';
import { LogicAppWorkflow } from '@cdktf/provider-azurerm/lib/logic-app-workflow';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { TRIGGER_NAME, type WorkflowDefinition } from '../lib/logic-app-definition';

export interface DispatchLogicAppProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** The workflow, built by `buildLogicAppDefinition`: one trigger and one top-level action. */
  readonly definition: WorkflowDefinition;
}

/**
 * The Logic App (Consumption) that receives Event Grid deliveries and sends the
 * repository dispatch. It has a system-assigned identity (to read the token from Key
 * Vault); its definition is deployed as one trigger resource and one action resource, whose
 * body is exactly the JSON the definition builder wrote. With a single top-level action,
 * every change to the workflow updates that resource in place: deleting an action resource
 * re-sends the workflow without its identity (azurerm 4.55 `logic_apps.go`), and Azure drops
 * the identity, and with it the Key Vault role, until the next apply.
 */
export class DispatchLogicApp extends Construct {
  public readonly workflowId: string;
  /** Object ID of the workflow's managed identity. */
  public readonly principalId: string;
  /**
   * The trigger's URL, including its SAS signature, marked sensitive: azurerm does not mark
   * `callback_url` so, and every attribute set from it would otherwise print in a plan.
   */
  public readonly callbackUrl: string;
  /** The action resource: the workflow answers requests as designed once it exists. */
  public readonly action: LogicAppActionCustom;

  constructor(scope: Construct, id: string, props: DispatchLogicAppProps) {
    super(scope, id);
    const actions = Object.entries(props.definition.actions);
    if (actions.length !== 1) {
      throw new Error(
        `The workflow must have exactly one top-level action (a Scope), not ${actions.length}: removing an action resource drops the Logic App's identity.`,
      );
    }
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
    this.callbackUrl = Fn.sensitive(request.callbackUrl);

    const [[name, action]] = actions;
    this.action = new LogicAppActionCustom(this, 'action', {
      logicAppId: workflow.id,
      name,
      body: JSON.stringify(action),
      dependsOn: [request],
    });
  }
}
