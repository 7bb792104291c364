import { fitWidth, PRINTABLE_ASCII } from '../domain/text';

/**
 * A cell's text in exactly `width` columns. Cut at the end by default; with `cut: 'middle'` a value keeps its
 * start and its end (`subnet-0a1…9f2c3`), where ids and bucket names differ.
 */
export function fitCell(
  value: string,
  width: number,
  align: 'left' | 'right' = 'left',
  cut: 'end' | 'middle' = 'end',
): string {
  const w = Math.floor(width);
  if (cut === 'end' || value.length <= w || w < 5 || !PRINTABLE_ASCII.test(value))
    return fitWidth(value, w, align);
  const tail = Math.floor((w - 1) / 2);
  return `${value.slice(0, w - 1 - tail)}…${value.slice(value.length - tail)}`;
}
