import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { describeSource } from '../../src/domain/timelineLanes';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { consoleSchedules } from '../../src/services/scheduler/consoleSchedules';
import { waitFor } from '../bus/contractSuite';

describe("the console's schedule problems", () => {
  const toClose: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of toClose.splice(0).reverse()) await close().catch(() => {});
  });

  it('are said by the console user (user@host), as its other events are, not by a worker named schedules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infradeck-console-problems-'));
    toClose.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'schedules.yaml'),
      'schedules:\n  - name: broken\n    cron: "61 * * * *"\n    job: { run: [date] }\n',
    );
    const bus: Bus = await openBus({});
    toClose.push(() => bus.close());
    const seen: DeckEvent[] = [];
    const off = bus.events.subscribe('0', (e) => seen.push(e));
    toClose.push(async () => off());
    const env = { USER: 'alice', TZ: 'UTC' };
    const runner = consoleSchedules(dir, env, false, () => bus);
    toClose.push(() => runner.stop());
    await runner.start(bus);
    const problem = await waitFor('the problem on the event stream', () =>
      seen.find((e) => e.type === 'schedules.problem'),
    );
    expect(problem.message).toContain('schedules[0].cron');
    expect(problem.source).toMatchObject({ user: 'alice', host: hostname() });
    expect(describeSource(problem.source)).toBe(`alice@${hostname()}`);
  });
});
