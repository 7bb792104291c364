export interface Summary {
  n: number;
  min: number;
  median: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}
export type StatName = keyof Omit<Summary, 'n'>;

export function percentile(sorted: readonly number[], p: number): number;
export function summarize(samples: readonly number[]): Summary;
export function ms(value: number): string;
export function statsLine(label: string, samples: readonly number[], keys?: readonly StatName[]): string;
export function targetLine(what: string, value: number, limit: number, statName: string): string;
export function heading(text: string): string;
export function sleep(milliseconds: number): Promise<void>;
export function seededRandom(seed: number): () => number;
export function stripAnsi(text: string): string;
