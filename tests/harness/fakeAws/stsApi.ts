import { createHash, randomUUID } from 'node:crypto';
import { AwsError } from './awsError';
import { parseQuery } from './queryParams';
import type { ServiceAnswer } from './serviceAnswer';
import { escapeXml, xmlDocument } from './xml';

const stsXmlns = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function stsError(err: AwsError, action: string): ServiceAnswer {
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${stsXmlns}"><Error><Type>Sender</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    action,
    error: err.code,
  };
}

/** STS over the query protocol: GetCallerIdentity, as the IAM user `fake` of the account. */
export function answerSts(account: string, body: string): ServiceAnswer {
  const tree = parseQuery(body);
  const action = typeof tree.Action === 'string' ? tree.Action : '';
  if (action !== 'GetCallerIdentity') {
    const err = action
      ? new AwsError('InvalidAction', `Could not find operation ${action} for version ${tree.Version}`)
      : new AwsError('MissingAction', 'Missing Action');
    return stsError(err, action || '?');
  }
  const userId = `AIDA${createHash('sha256').update(account).digest('hex').slice(0, 17).toUpperCase()}`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: xmlDocument(
      'GetCallerIdentityResponse',
      stsXmlns,
      {
        GetCallerIdentityResult: {
          Arn: `arn:aws:iam::${account}:user/fake`,
          UserId: userId,
          Account: account,
        },
        ResponseMetadata: { RequestId: randomUUID() },
      },
      'repeat',
    ),
    action,
  };
}
