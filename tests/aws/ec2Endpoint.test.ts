import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider } from '../../src/services/aws/awsProvider';

// A few lines of EC2 over real HTTP: proves AWS_ENDPOINT_URL_EC2 reaches the client and that the SDK's
// adaptive retry (not a mock) absorbs throttling. aws-sdk-client-mock replaces `send`, so it cannot show this.
describe('EC2 through AWS_ENDPOINT_URL_EC2', () => {
  let server: Server;
  let endpoint: string;
  const seen: string[] = [];
  let throttleNext = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const action = new URLSearchParams(body).get('Action') ?? '?';
        seen.push(`${action} ${req.headers.authorization?.includes('AKIDEXAMPLE') ? 'signed' : 'unsigned'}`);
        res.setHeader('content-type', 'text/xml');
        if (throttleNext > 0) {
          throttleNext--;
          res.statusCode = 503;
          res.end(
            '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>' +
              '</Error></Errors><RequestID>t</RequestID></Response>',
          );
          return;
        }
        res.end(
          '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>' +
            '<regionInfo><item><regionName>eu-west-1</regionName></item><item><regionName>us-east-1</regionName>' +
            '</item></regionInfo></DescribeRegionsResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('retries a throttled DescribeRegions and gets the answer', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_EC2', endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    try {
      const aws = new AwsProvider(await createAwsClients({ region: 'eu-west-1', maxAttempts: 4 }));
      seen.length = 0;
      throttleNext = 2;
      expect(await aws.listRegions()).toEqual(['eu-west-1', 'us-east-1']);
      expect(seen).toEqual(['DescribeRegions signed', 'DescribeRegions signed', 'DescribeRegions signed']);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('gives up after maxAttempts with the throttling error, not a hang', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_EC2', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_PROFILE', '');
    try {
      const aws = new AwsProvider(await createAwsClients({ region: 'eu-west-1', maxAttempts: 2 }));
      seen.length = 0;
      throttleNext = 5;
      await expect(aws.listRegions()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
      expect(seen).toHaveLength(2);
    } finally {
      throttleNext = 0;
      vi.unstubAllEnvs();
    }
  });
});
