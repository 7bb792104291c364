import { afterEach, describe, expect, it } from 'vitest';
import { eventsCommand } from '../../src/commands/events';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { alice } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';

describe.skipIf(skipRedis)('infradeck events --job', () => {
  let prefix: string;
  let bus: Bus;

  afterEach(async () => {
    await bus?.close();
    await deletePrefix(prefix);
  });

  it("shows the job's latest events however many others came after them", async () => {
    prefix = uniquePrefix('events-job');
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const note = (jobId: string, message: string) =>
      bus.events.publish({ level: 'info', type: 'test.note', source: alice, jobId, message });
    for (let i = 1; i <= 3; i++) await note('7', `seven ${i}`);
    // More than the 20 latest events `infradeck events` shows, and more than one page read back (1,000 events):
    // job 7's are in the third page.
    for (let i = 0; i < 2_500; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => note('8', `eight ${i + k}`)));
    }

    const stdout = new Capture();
    const stderr = new Capture();
    const env = { USER: 'alice', REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix };
    expect(await eventsCommand(['--job', '7'], { stdout, stderr, env })).toBe(0);
    expect(
      stdout.text
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/).at(-1)),
    ).toEqual(['seven 1', 'seven 2', 'seven 3']);

    const two = new Capture();
    expect(await eventsCommand(['--job', '7', '--last', '2', '--json'], { stdout: two, stderr, env })).toBe(
      0,
    );
    expect(
      two.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).message),
    ).toEqual(['seven 2', 'seven 3']);
  });
});
