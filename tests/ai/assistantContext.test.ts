import { describe, expect, it } from 'vitest';
import { checkAction, proposableKinds, proposedActions } from '../../src/domain/assistantAction';
import { buildAssistantContext, type ContextJob } from '../../src/domain/assistantContext';
import { chatMessages, formatMessages } from '../../src/domain/assistantPrompt';
import { secretValuesOf } from '../../src/domain/secretMask';

const now = Date.UTC(2026, 0, 10, 12, 0, 0);

function job(log: string[], over: Partial<ContextJob> = {}): ContextJob {
  return {
    id: '42',
    kind: 'command',
    status: 'failed',
    what: 'deploy.sh',
    log,
    finishedAt: now - 60_000,
    ...over,
  };
}

describe('the context sent with a question', () => {
  it('masks every secret shape before anything is sent, and counts what it masked', () => {
    const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9TESTKEY';
    const env = {
      DEPLOY_KEY: 'k3y-v4lue-0001',
      STRIPE_SECRET: 's3cr3t-v4lue',
      INFRADECK_AI_MODEL: 'llama3.2',
    };
    const secrets = secretValuesOf(env);
    const cases: Array<[string, string]> = [
      ['using AKIAZZTESTKEY0000001 for s3', 'using AKIA*** for s3'],
      [`AWS_SECRET_ACCESS_KEY=${awsSecret}`, 'AWS_SECRET_ACCESS_KEY=***'],
      ['export GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'export GITHUB_TOKEN=***'],
      ['cloning with ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'cloning with ghp_***'],
      ['gitlab said glpat-Xy9aBcDeFgHiJkLmNoPq', 'gitlab said glpat-***'],
      ['openai key sk-proj-abcdefghijklmnop0123456789', 'openai key sk-proj-***'],
      ['curl -H "Authorization: Bearer eyJhbGciOi.xyz.abc"', 'curl -H "Authorization: Bearer ***"'],
      ['SSH_KEY=/tmp/k MY_KEY: plain-value', 'SSH_KEY=*** MY_KEY: ***'],
      ['db_password=hunter22 SESSION_TOKEN="abc def"', 'db_password=*** SESSION_TOKEN="***"'],
      ['the value k3y-v4lue-0001 leaked, and s3cr3t-v4lue too', 'the value *** leaked, and *** too'],
      ['keyPair web-deploy, model llama3.2, MONKEY=3', 'keyPair web-deploy, model llama3.2, MONKEY=3'],
    ];
    for (const [line, masked] of cases) {
      const ctx = buildAssistantContext({ now, failedJobs: [job([line])] }, { secrets });
      expect(ctx.text, line).toContain(`| ${masked}`);
    }
    const all = buildAssistantContext({ now, failedJobs: [job(cases.map(([l]) => l))] }, { secrets });
    expect(all.masked).toBe(13);
    expect(all.text).not.toMatch(
      /AKIAZZ|wJalr|16C7e42|Xy9aB|abcdefghijklmnop|eyJhbG|hunter22|k3y-v4lue|s3cr3t/,
    );
  });

  it('masks the question, the job error and event messages too, and strips escape sequences', () => {
    const ctx = buildAssistantContext({
      now,
      focusedJob: job(['\u001b[31mred\u001b[0m line'], { error: 'exit 1: API_KEY=abcdef123456 rejected' }),
      errorEvents: [{ at: now, type: 'job.failed', message: 'token=zzzzzzzzzz expired', jobId: '42' }],
    });
    expect(ctx.text).toContain('| red line');
    expect(ctx.text).toContain('error: exit 1: API_KEY=*** rejected');
    expect(ctx.text).toContain('job.failed job 42: token=*** expired');
    const [system, user] = chatMessages('why? my key is AKIAZZTESTKEY0000001', ctx, proposableKinds());
    expect(system.role).toBe('system');
    expect(system.content).toContain('```json');
    expect(user.content).toMatch(/^why\? my key is AKIA\*\*\*/);
    expect(formatMessages([system, user])).toContain('─── user ───');
  });

  it('keeps within its limits and says what it left out', () => {
    const many = Array.from({ length: 8 }, (_, i) => job([`line ${i}`], { id: String(i) }));
    const ctx = buildAssistantContext(
      { now, failedJobs: many, selection: { what: 'instances', columns: ['ID'], rows: [['i-1'], ['i-2']] } },
      { limits: { failedJobs: 3, lineChars: 20 } },
    );
    expect(ctx.sections.map((s) => s.title)).toEqual([
      'Selected: instances',
      'Recent failed jobs',
      'Left out',
    ]);
    expect(ctx.omitted).toEqual(['5 more failed jobs']);
    const long = buildAssistantContext(
      { now, failedJobs: [job(['x'.repeat(10_000)])] },
      { limits: { lineChars: 50 } },
    );
    expect(long.text).toContain(`${'x'.repeat(50)}… (cut)`);
    expect(long.text.length).toBeLessThan(500);
  });
});

describe('actions the assistant proposes', () => {
  it('reads a fenced json job spec and checks it against the job kind registry', () => {
    const answer = [
      'Stop the forgotten runner:',
      '```json',
      '{"kind": "instances", "payload": {"action": "stop", "region": "eu-west-1", "ids": ["i-0abc"]}}',
      '```',
      'or list what is there:',
      '```json',
      '{"kind": "command", "payload": {"program": "aws", "args": ["ec2", "describe-instances"]}}',
      '```',
      '```json',
      '{"not": "a job"}',
      '```',
    ].join('\n');
    const actions = proposedActions(answer);
    expect(actions).toHaveLength(2);
    expect(actions[0]).toMatchObject({ valid: true, kind: 'instances', changes: true });
    expect(actions[0].valid && actions[0].summary).toBe('stop instance in eu-west-1: i-0abc');
    expect(actions[1]).toMatchObject({ valid: true, kind: 'command', summary: 'aws ec2 describe-instances' });
  });

  it('refuses unknown kinds, child kinds, bad payloads and broken JSON, saying why', () => {
    expect(checkAction({ kind: 'reboot-everything', payload: {} })).toMatchObject({
      valid: false,
      error: expect.stringContaining('"reboot-everything" is not a job kind'),
    });
    expect(checkAction({ kind: 'pipelineStep', payload: {} })).toMatchObject({ valid: false });
    expect(checkAction({ kind: 'terminate', payload: { ids: [], confirm: '0' } })).toMatchObject({
      valid: false,
      error: 'payload.ids: nothing selected',
    });
    expect(checkAction({ kind: 'scan', payload: { regions: ['eu west'] } })).toMatchObject({
      valid: false,
      error: expect.stringContaining('payload.regions.0: not a region name'),
    });
    const broken = proposedActions('```json\n{"kind": "scan", "payload": {\n```');
    expect(broken).toMatchObject([{ valid: false, error: expect.stringContaining('not valid JSON') }]);
    expect(checkAction({ kind: 'scan', payload: {} })).toMatchObject({ valid: true, changes: false });
  });
});
