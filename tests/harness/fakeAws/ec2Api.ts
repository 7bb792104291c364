import { randomUUID } from 'node:crypto';
import { AwsError } from './awsError';
import type { Ec2Action } from './ec2Action';
import { instanceActions } from './ec2Instances';
import type { Ec2World } from './ec2Model';
import { networkActions } from './ec2Network';
import { securityGroupActions } from './ec2SecurityGroups';
import { tagActions } from './ec2Tags';
import { parseQuery, QueryParams } from './queryParams';
import type { ServiceAnswer } from './serviceAnswer';
import { escapeXml, xmlDocument } from './xml';

const ec2Xmlns = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const actions: Record<string, Ec2Action> = {
  ...networkActions,
  ...securityGroupActions,
  ...instanceActions,
  ...tagActions,
};

/** Whether an action changes the world (what a fault-injection test kills a worker after). */
export function isMutating(action: string): boolean {
  return /^(Create|Modify|Attach|Detach|Associate|Disassociate|Authorize|Revoke|Replace|Delete|Run|Terminate|Start|Stop|Reboot|Put)/.test(
    action,
  );
}

export function ec2Error(err: AwsError, action: string): ServiceAnswer {
  const requestId = randomUUID();
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    action,
    error: err.code,
  };
}

/** One EC2 query-protocol request: `Action=…&Version=2016-11-15&…` in a form-encoded POST body. */
export function answerEc2(world: Ec2World, region: string, body: string): ServiceAnswer {
  const tree = parseQuery(body);
  const action = typeof tree.Action === 'string' ? tree.Action : '';
  const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (!handler) {
    const err = action
      ? new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`)
      : new AwsError('MissingAction', 'The request must contain the parameter Action');
    return ec2Error(err, action || '?');
  }
  if (tree.Version !== '2016-11-15')
    return ec2Error(new AwsError('InvalidParameterValue', `Invalid API version '${tree.Version}'`), action);
  if (tree.DryRun === 'true') {
    return ec2Error(
      new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
      action,
    );
  }
  let answer: ReturnType<Ec2Action>;
  try {
    answer = handler({ world, region, params: new QueryParams(tree) });
  } catch (err) {
    if (err instanceof AwsError) return ec2Error(err, action);
    throw err;
  }
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: xmlDocument(`${action}Response`, ec2Xmlns, { requestId: randomUUID(), ...answer.body }, 'item'),
    action,
    target: answer.target,
  };
}
