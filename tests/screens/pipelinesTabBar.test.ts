import { describe, expect, it } from 'vitest';
import { tabLabels } from '../../src/app/tabLabels';
import { screens } from '../../src/screens';

describe('the tab bar with the Pipelines tab', () => {
  it('names every tab at 80 columns by its short name, cutting none, and Pipelines is tab 9; wider, the active one in full', () => {
    expect(screens[8].id).toBe('pipelines');
    for (const active of [0, 1, 8]) {
      const t = tabLabels(
        screens.map((s) => ({ title: s.title, short: s.short })),
        active,
        80,
      );
      const bar = t.brand + t.labels.join('');
      expect(bar.length).toBeLessThanOrEqual(80);
      expect(bar).toContain(`${active + 1} ${screens[active].short ?? screens[active].title}`);
      expect(bar).toContain('9 CI');
    }
    const wide = tabLabels(
      screens.map((s) => ({ title: s.title, short: s.short })),
      8,
      90,
    );
    expect(wide.labels.join('')).toContain('9 Pipelines');
  });
});
