import { displayWidth } from '../domain/text';

export interface TabLabels {
  brand: string;
  /** One label a tab, spaces included, in order. */
  labels: string[];
}

/**
 * The tab bar's words for a width: everything when it fits; then tighter spacing; then without the brand;
 * then every title but the active one shortened evenly (never below 3 letters); at last numbers only, the
 * active tab still named. A label is never cut to nothing and the bar never wraps.
 */
export function tabLabels(titles: readonly string[], active: number, width: number): TabLabels {
  const fits = (t: TabLabels) =>
    displayWidth(t.brand) + t.labels.reduce((n, l) => n + displayWidth(l), 0) <= width;
  const named = (short: (title: string, i: number) => string, pad: string) =>
    titles.map((title, i) => `${pad}${i + 1} ${short(title, i)}${pad}`);
  const candidates: TabLabels[] = [
    { brand: 'infradeck ', labels: named((t) => t, ' ') },
    { brand: 'infradeck', labels: named((t) => t, '').map((l) => ` ${l}`) },
    { brand: '', labels: named((t) => t, '').map((l) => ` ${l}`) },
  ];
  const longest = Math.max(0, ...titles.map((t) => t.length));
  for (let letters = longest - 1; letters >= 3; letters--) {
    candidates.push({
      brand: '',
      labels: named((t, i) => (i === active ? t : t.slice(0, letters)), '').map((l) => ` ${l}`),
    });
  }
  for (const c of candidates) if (fits(c)) return c;
  return { brand: '', labels: titles.map((t, i) => (i === active ? ` ${i + 1} ${t}` : ` ${i + 1}`)) };
}
