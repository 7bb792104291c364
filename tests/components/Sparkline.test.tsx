import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Sparkline, sparkline } from '../../src/components/Sparkline';

describe('sparkline', () => {
  it('scales from zero to the largest value: zero is ▁, the maximum █', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([0, 0, 0], 3)).toBe('▁▁▁');
  });

  it('puts the most recent values on the right and pads the left with spaces', () => {
    expect(sparkline([7, 7], 5)).toBe('   ██');
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 0], 3)).toBe('▇█▁');
    expect(sparkline([], 4)).toBe('    ');
    expect(sparkline([1], 0)).toBe('');
  });

  it('uses a fixed max when given, clamping values above it', () => {
    expect(sparkline([50, 100, 200], 3, 100)).toBe('▅██');
    expect(sparkline([-5, Number.NaN, 3], 3, 7)).toBe('▁ ▄');
  });
});

describe('Sparkline', () => {
  it('renders exactly `width` columns', async () => {
    const { lastFrame, unmount } = render(<Sparkline values={[1, 5, 3, 8]} width={10} color="cyan" />);
    await new Promise((r) => setTimeout(r, 20));
    expect((lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, '')).toBe('      ▂▅▄█');
    unmount();
  });
});
