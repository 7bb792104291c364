import { describe, expect, it } from 'vitest';
import { tabLabels } from '../../src/app/tabLabels';
import { screens } from '../../src/screens';

describe('the tab bar with the AI tab', () => {
  it('names every tab at 80 columns with AI as tab 11, none cut, the active one by its short name', () => {
    const ai = screens.findIndex((s) => s.id === 'ai');
    expect(ai).toBe(10);
    expect(screens[ai].short).toBe('AI');
    for (const active of [0, 8, 9, ai]) {
      const t = tabLabels(
        screens.map((s) => ({ title: s.title, short: s.short })),
        active,
        80,
      );
      const bar = t.brand + t.labels.join('');
      expect(bar.length).toBeLessThanOrEqual(80);
      expect(bar).toContain(`${active + 1} ${screens[active].short ?? screens[active].title}`);
      expect(bar).toContain('11 AI');
    }
  });
});
