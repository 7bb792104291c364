import { describe, expect, it } from 'vitest';
import { copiedLabel } from '../../src/ui/clipboard';

describe('the message after y', () => {
  it('names a short value whole', () => {
    expect(copiedLabel('i-0a425b02395af6cb0')).toBe('i-0a425b02395af6cb0');
  });

  it('keeps the end of a long path, the file it names, and leaves out its middle', () => {
    const label = copiedLabel('/home/alice/src/infrastructure/workspace/projects/shop.yaml');
    expect(label).toHaveLength(40);
    expect(label).toMatch(/^\/home\/alice\/src…/);
    expect(label.endsWith('/projects/shop.yaml')).toBe(true);
  });
});
