import { displayWidth } from '../domain/text';
import { tabKey } from '../ui/keymap';

export interface TabLabels {
  brand: string;
  /** One label a tab, spaces included, in order. */
  labels: string[];
}

/** A tab's title, and the shorter word it goes by when the bar is tight (`Repos` for Repositories). */
export interface TabTitle {
  title: string;
  short?: string;
}

/**
 * The tab bar's words for a width: everything when it fits; then tighter spacing; then without the brand;
 * then every tab but the active one by its short name; then the active one too; then the others shortened evenly
 * (never below 3 letters); at last keys only, the active tab still named. A label is never cut to nothing and the bar
 * never wraps.
 */
export function tabLabels(tabs: readonly TabTitle[], active: number, width: number): TabLabels {
  const titles = tabs.map((t) => t.title);
  const shorts = tabs.map((t, i) => (i === active ? t.title : (t.short ?? t.title)));
  const fits = (t: TabLabels) =>
    displayWidth(t.brand) + t.labels.reduce((n, l) => n + displayWidth(l), 0) <= width;
  // A tab is labelled with its key (`0 Timeline`); one without a key by its name alone.
  const key = (i: number) => {
    const k = tabKey(i);
    return k === undefined ? '' : `${k} `;
  };
  const named = (words: readonly string[], short: (title: string, i: number) => string, pad: string) =>
    words.map((title, i) => `${pad}${key(i)}${short(title, i)}${pad}`);
  const tight = (words: readonly string[], short: (title: string, i: number) => string = (t) => t) =>
    named(words, short, '').map((l) => ` ${l}`);
  const candidates: TabLabels[] = [
    { brand: 'infradeck ', labels: named(titles, (t) => t, ' ') },
    { brand: 'infradeck', labels: tight(titles) },
    { brand: '', labels: tight(titles) },
    { brand: 'infradeck', labels: tight(shorts) },
    { brand: '', labels: tight(shorts) },
    // The active tab by its short name too, before any word is cut: its screen says what it is.
    { brand: '', labels: tight(tabs.map((t) => t.short ?? t.title)) },
  ];
  const longest = Math.max(0, ...shorts.map((t) => t.length));
  for (let letters = longest - 1; letters >= 3; letters--) {
    candidates.push({
      brand: '',
      labels: tight(shorts, (t, i) => (i === active ? t : t.slice(0, letters))),
    });
  }
  for (const c of candidates) if (fits(c)) return c;
  return {
    brand: '',
    labels: tabs.map((t, i) =>
      i === active ? ` ${key(i)}${t.title}` : ` ${tabKey(i) ?? t.short ?? t.title}`,
    ),
  };
}
