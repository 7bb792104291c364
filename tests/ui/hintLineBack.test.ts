import { describe, expect, it } from 'vitest';
import { fitHintLine } from '../../src/ui/keyHints';

const runHints = {
  screen: ['Enter log', 't trigger', 'R re-run failed', 'c cancel', 'r refresh', 'Esc back'],
  global: ['? help', ': command'],
};

describe('a narrow hint line', () => {
  it('keeps the way back: the other hints of the view drop before Esc back', () => {
    expect(fitHintLine(runHints, 60)).toBe('Enter log  t trigger  Esc back  ? help  : command');
    expect(fitHintLine(runHints, 30)).toBe('Esc back  ? help  : command');
    expect(fitHintLine(runHints, 20)).toBe('Esc back  ? help');
    expect(fitHintLine(runHints, 10)).toBe('? help');
  });
});
