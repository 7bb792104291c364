import { randomUUID } from 'node:crypto';
import { type Architecture, al2023ImageId, latestAl2023Parameter } from './images';
import type { ServiceAnswer } from './serviceAnswer';

/** SSM over JSON 1.1 (`X-Amz-Target: AmazonSSM.GetParameter`): the public Amazon Linux 2023 image parameters. */

const jsonType = 'application/x-amz-json-1.1';

function json(status: number, value: unknown, action: string, error?: string): ServiceAnswer {
  return {
    status,
    headers: { 'content-type': jsonType, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(value),
    action,
    error,
  };
}

function parameter(region: string, name: string) {
  const arch = (['x86_64', 'arm64'] as Architecture[]).find((a) => latestAl2023Parameter(a) === name);
  if (!arch) return undefined;
  return {
    Name: name,
    Type: 'String',
    Value: al2023ImageId(region, arch),
    Version: 42,
    LastModifiedDate: 1735689600,
    ARN: `arn:aws:ssm:${region}::parameter${name}`,
    DataType: 'text',
  };
}

export function answerSsm(region: string, target: string | undefined, body: string): ServiceAnswer {
  const action = target?.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
  let input: { Name?: unknown; Names?: unknown };
  try {
    input = JSON.parse(body || '{}');
  } catch {
    return json(
      400,
      { __type: 'SerializationException', message: 'Start of structure or map found where not expected.' },
      action,
      'SerializationException',
    );
  }
  if (action === 'GetParameter') {
    if (typeof input.Name !== 'string')
      return json(
        400,
        {
          __type: 'ValidationException',
          message:
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
        },
        action,
        'ValidationException',
      );
    const found = parameter(region, input.Name);
    // SSM says ParameterNotFound with no message at all.
    if (!found) return json(400, { __type: 'ParameterNotFound' }, action, 'ParameterNotFound');
    return json(200, { Parameter: found }, action);
  }
  if (action === 'GetParameters') {
    const names = Array.isArray(input.Names)
      ? input.Names.filter((n): n is string => typeof n === 'string')
      : [];
    const found = names.map((n) => parameter(region, n));
    return json(
      200,
      { Parameters: found.filter(Boolean), InvalidParameters: names.filter((_, i) => !found[i]) },
      action,
    );
  }
  return json(
    400,
    { __type: 'com.amazon.coral.service#UnknownOperationException' },
    action || '?',
    'UnknownOperationException',
  );
}
