import { describe, expect, it } from 'vitest';
import { tabLabels } from '../../src/app/tabLabels';
import { screens } from '../../src/screens';

describe('the tab bar with the AI tab', () => {
  it('names every tab at 80 columns, AI (tab 11, no key) by its name alone, none cut, the active one by its short name', () => {
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
      const key = active === 9 ? '0 ' : active === ai ? '' : `${active + 1} `;
      expect(bar).toContain(`${key}${screens[active].short ?? screens[active].title}`);
      expect(bar).toMatch(/0 Time(line)? AI$/);
    }
  });
});
