import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsCommand } from '../../src/commands/jobs';
import { printTable } from '../../src/commands/printTable';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import { shownJobId } from '../../src/domain/scheduleTickId';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { RedisScheduler } from '../../src/services/scheduler/redisScheduler';
import { alice, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';

describe.skipIf(skipRedis)('infradeck jobs on a terminal', () => {
  const prefix = uniquePrefix('jobswidth');
  const toClose: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of toClose.splice(0).reverse()) await close().catch(() => {});
    await deletePrefix(prefix);
  });

  /** Schedules' pending ticks (ids of 40+ columns) and a finished command that took a while. */
  async function queue(): Promise<string[]> {
    const bus: Bus = await openBus({ redisUrl, prefix, requester: alice });
    toClose.push(() => bus.close());
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const scheduler = new RedisScheduler({ redisUrl, prefix });
    toClose.push(() => scheduler.close());
    const file = parseSchedulesFile(
      'schedules.yaml',
      [
        'schedules:',
        '  - name: nightly-report',
        '    cron: "30 2 * * *"',
        '    job: { run: [echo, the nightly report of every region and every account we run] }',
        '  - name: scan-europe',
        '    cron: "*/15 * * * *"',
        '    job: { kind: scan, regions: [eu-central-1, eu-west-1], buckets: false }',
        '',
      ].join('\n'),
      'UTC',
    );
    await scheduler.sync(file);
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'sh', args: ['-c', 'sleep 0.2'], shell: false },
      requestedBy: alice,
    });
    const consumer = bus.consume(
      {
        command: async () => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          return { exitCode: 0, lines: 0, droppedLines: 0 };
        },
      },
      { heartbeatMs: 200 },
    );
    toClose.push(() => consumer.close({ graceMs: 0 }));
    await waitForStatus(bus, id, 'completed');
    await consumer.close({ graceMs: 0 });
    return (await bus.queue.list({})).map((j) => j.id);
  }

  async function jobs(columns: number | undefined, env: NodeJS.ProcessEnv = {}, argv: string[] = []) {
    const stdout = new Capture(columns);
    const stderr = new Capture();
    const code = await jobsCommand(argv, {
      stdout,
      stderr,
      env: { USER: 'alice', REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, ...env },
    });
    expect(code).toBe(0);
    return stdout.text.trimEnd().split('\n');
  }

  it('fits every row in the terminal, ids and statuses whole, at 80, 120 and 200 columns', async () => {
    const ids = await queue();
    expect(ids.some((id) => id.startsWith('repeat:schedule:nightly-report:'))).toBe(true);
    for (const columns of [80, 120, 200]) {
      const lines = await jobs(columns);
      expect(lines).toHaveLength(ids.length + 1);
      for (const line of lines) expect(stringWidth(line), `${columns}: ${line}`).toBeLessThanOrEqual(columns);
      for (const id of ids) {
        // A tick as the console's Jobs tab shows it (`nightly-report 12-08 01:30`), whole.
        const row = lines.find((l) => l.startsWith(`${shownJobId(id)} `));
        expect(row, `${columns}: ${id}`).toMatch(/ (delayed|completed) /);
      }
    }
    // At 80 a tick's id no longer takes the room of everything but KIND and STATUS: when and what still show.
    const at80 = await jobs(80);
    expect(at80[0]).toMatch(/^ID\s+KIND\s+STATUS\s+.*\bAGE\b.*\sWHAT$/);
    expect(at80.find((l) => l.startsWith('nightly-report '))).toMatch(
      /^nightly-report \d\d-\d\d \d\d:\d\d +command +delayed .*\becho\b/,
    );
    // Wide enough, nothing is cut or hidden; at 120 what a job does is still there, cut with '…' if need be.
    expect((await jobs(200))[0]).toMatch(/^ID\s+KIND\s+STATUS\s+PROGRESS\s+TRIES\s+BY\s+AGE\s+TOOK\s+WHAT$/);
    const at120 = await jobs(120);
    expect(at120[0]).toMatch(/^ID\s+KIND\s+STATUS\s.*\sWHAT$/);
    expect(at120.find((l) => l.includes('nightly-report'))).toMatch(/echo .*…$/);
    // $COLUMNS when stdout is not a terminal; neither: a pipe gets every column whole (for grep).
    expect(
      Math.max(...(await jobs(undefined, { COLUMNS: '100' })).map((l) => stringWidth(l))),
    ).toBeLessThanOrEqual(100);
    // A pipe and --json keep the real id, for scripts.
    const piped = await jobs(undefined);
    expect(piped.find((l) => l.includes('nightly-report'))).toContain('schedule:nightly-report@');
    expect(piped.some((l) => l.startsWith('repeat:schedule:nightly-report:'))).toBe(true);
    const json = JSON.parse((await jobs(80, {}, ['--json'])).join('\n')) as { jobs: Array<{ id: string }> };
    expect(json.jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
    // The id as the table shows it opens the tick too.
    const tick = ids.find((id) => id.startsWith('repeat:schedule:nightly-report:'))!;
    const one = await jobs(80, {}, [shownJobId(tick)]);
    expect(one[0]).toMatch(new RegExp(`^job +${tick}$`));
  });
});

describe('printTable without a terminal width', () => {
  it('prints every column whole, as before (the other commands)', () => {
    const out = new Capture();
    printTable(
      out,
      ['NAME', 'STATE', 'NOTE'],
      [
        ['web-1', 'running', 'a long note that would not fit a narrow terminal at all, not even close'],
        ['db', 'stopped', ''],
      ],
    );
    expect(out.text).toBe(
      'NAME   STATE    NOTE\n' +
        'web-1  running  a long note that would not fit a narrow terminal at all, not even close\n' +
        'db     stopped\n',
    );
  });
});
