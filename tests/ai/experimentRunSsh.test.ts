import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../../src/domain/experimentSource';
import type { ExperimentRunResult } from '../../src/domain/jobKinds/experimentRun';
import { planRuns } from '../../src/services/ai/experiments';
import { FileRunMetrics, runMetricsFolder } from '../../src/services/ai/runMetrics';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { experimentRunHandler } from '../../src/worker/handlers/experimentRun';
import { alice, waitForStatus } from '../bus/contractSuite';
import { skipSshd, startSshd, type TestSshd } from '../harness/sshd';

describe.skipIf(skipSshd)('an experiment run on a server of servers.yaml, over ssh (a real sshd)', () => {
  let sshd: TestSshd;
  let dir: string;
  let bus: Bus;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'infradeck-experiment-ssh-'));
    mkdirSync(join(dir, 'ai', 'experiments'), { recursive: true });
    writeFileSync(
      join(dir, 'servers.yaml'),
      `servers:\n  - { name: gpu-box, host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, identityFile: ${sshd.identityFile} }\n`,
    );
    bus = await openBus({ requester: alice });
    bus.consume(
      {
        experimentRun: experimentRunHandler({
          dataDir: dir,
          sshOptions: sshd.clientOptions,
          killGraceMs: 500,
          metrics: async () => new FileRunMetrics(runMetricsFolder(dir)),
        }),
      },
      { concurrency: 1, heartbeatMs: 200 },
    );
  });
  afterAll(async () => {
    await bus?.close();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the command there with its params in the environment, and its metric lines become points', async () => {
    const text = [
      'params: { lr: 0.1 }',
      'where: { server: gpu-box }',
      `command: [sh, -c, 'echo "on $(echo $SSH_CONNECTION | cut -d" " -f3) lr $INFRADECK_PARAM_LR"; echo step=1 loss=0.5; echo step=2 loss=0.25']`,
    ].join('\n');
    const file = join(dir, 'ai', 'experiments', 'remote.yaml');
    writeFileSync(file, text);
    const parsed = parseExperimentFile(file, text);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const planned = await planRuns(parsed, { dataDir: dir });
    if (!planned.ok) throw new Error(planned.errors.join('\n'));
    const [payload] = planned.plan.payloads;
    expect(payload!.where).toMatchObject({ type: 'server', target: { name: 'gpu-box', host: '127.0.0.1' } });

    const id = await bus.queue.enqueue({ kind: 'experimentRun', payload: payload!, requestedBy: alice });
    const job = await waitForStatus(bus, id, 'completed', 30_000);
    expect((job.result as ExperimentRunResult).points, sshd.log()).toBe(2);
    expect((await bus.queue.logs(id)).map((l) => l.text)).toContain('on 127.0.0.1 lr 0.1');
    const stored = await new FileRunMetrics(runMetricsFolder(dir)).read(id);
    expect(stored.series).toEqual([
      {
        name: 'loss',
        points: [
          { step: 1, value: 0.5, time: expect.any(Number) },
          { step: 2, value: 0.25, time: expect.any(Number) },
        ],
      },
    ]);
  });
});
