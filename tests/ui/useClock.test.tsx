import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useClock } from '../../src/ui/useClock';

function Clock({ active }: { active: boolean }) {
  return <Text>{`now=${useClock(active)}`}</Text>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => vi.restoreAllMocks());

describe('a tab’s clock', () => {
  it('reads the time afresh when the tab is shown again, not a tick later', async () => {
    let t = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => t);
    const view = render(<Clock active />);
    expect(view.lastFrame()).toBe('now=1000000');
    view.rerender(<Clock active={false} />);
    // Hidden for a minute: it does not tick.
    t += 60_000;
    await pause(50);
    expect(view.lastFrame()).toBe('now=1000000');
    view.rerender(<Clock active />);
    await pause(50);
    expect(view.lastFrame()).toBe('now=1060000');
    view.unmount();
  });
});
