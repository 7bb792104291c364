import { describe, expect, it } from 'vitest';
import { fitParts } from '../../src/components/fitParts';

describe('fitParts', () => {
  it('shows each part after the first whole or not at all', () => {
    expect(fitParts(['loss (1/4, m next)', 'min 0.2201', 'max 1.625', 'last 0.2201 at step 200'], 40)).toBe(
      'loss (1/4, m next) · min 0.2201',
    );
    expect(fitParts(['loss', 'min 1', 'max 2'], 80)).toBe('loss · min 1 · max 2');
  });

  it('cuts the first part in its middle to keep the parts it must keep', () => {
    const line = fitParts(['a-very-long-experiment-name-for-the-sweep-2024', 'run 61', 'COMPLETED'], 40, {
      keep: 2,
    });
    expect(line).toBe('a-very-lo…weep-2024 · run 61 · COMPLETED');
    expect(fitParts(['a-long-experiment-name', 'loss'], 40, { keep: 1, lead: 'Compare 2 runs of ' })).toBe(
      'Compare 2 runs of a-long-…nt-name · loss',
    );
  });

  it('cuts the whole line at its end when even a cut name does not fit', () => {
    expect(fitParts(['experiment', 'run 61', 'COMPLETED'], 20, { keep: 2 })).toBe('experiment · run 61…');
  });
});
