import { describe, expect, it } from 'vitest';
import { nextPollMs, nextPollMsOver } from '../../src/domain/pipelineClient';

const now = Date.parse('2026-12-06T12:00:00Z');
const hidden = { visible: false, watchingRunning: false, tableMs: 30_000, requestsPerPoll: 4, now };

describe('when to poll a provider', () => {
  it('not at all while the tab is hidden and no running run is followed', () => {
    expect(nextPollMs(hidden)).toBeUndefined();
    expect(nextPollMs({ ...hidden, visible: true, tableMs: 0 })).toBeUndefined();
  });

  it('the table’s interval while visible, faster while a running run is followed', () => {
    expect(nextPollMs({ ...hidden, visible: true })).toBe(30_000);
    expect(nextPollMs({ ...hidden, watchingRunning: true })).toBe(5_000);
  });

  it('slower when the quota left until its reset would not last, keeping a tenth for actions', () => {
    const quota = { limit: 5000, remaining: 600, resetAt: now + 3600_000, seenAt: now };
    // 600 - 500 kept = 100 usable, 25 polls of 4 requests over an hour: one every 144 s.
    expect(nextPollMs({ ...hidden, visible: true, quota })).toBe(144_000);
    expect(nextPollMs({ ...hidden, visible: true, quota: { ...quota, remaining: 5000 } })).toBe(30_000);
    // Nothing usable left: wait for the reset.
    expect(nextPollMs({ ...hidden, watchingRunning: true, quota: { ...quota, remaining: 400 } })).toBe(
      3600_000,
    );
  });

  it('over several hosts, the slowest any quota allows; a quota whose reset has passed paces nothing', () => {
    const github = { limit: 5000, remaining: 600, resetAt: now + 3600_000, seenAt: now };
    // What a 429 left a minute ago: 0 of 2000, its reset passed since. Not the one to pace by.
    const gitlab = { limit: 2000, remaining: 0, resetAt: now - 1_000, seenAt: now - 60_000 };
    expect(nextPollMsOver({ ...hidden, visible: true, quotas: [gitlab, github] })).toBe(144_000);
    expect(nextPollMsOver({ ...hidden, visible: true, quotas: [gitlab] })).toBe(30_000);
    // GitLab's per-minute quota nearly used up outweighs GitHub's roomy hourly one, whatever is left of each.
    const busy = { limit: 2000, remaining: 203, resetAt: now + 60_000, seenAt: now };
    const roomy = { ...github, remaining: 4000 };
    expect(nextPollMsOver({ ...hidden, visible: true, quotas: [roomy, busy] })).toBe(60_000);
    expect(nextPollMsOver({ ...hidden, quotas: [github] })).toBeUndefined();
  });
});
