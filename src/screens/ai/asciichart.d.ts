// asciichart ships no types: what the AI tab uses of it (https://github.com/kroitor/asciichart, README "Options").
declare module 'asciichart' {
  export interface PlotConfig {
    min?: number;
    max?: number;
    /** Rows above the lowest: the chart is `height + 1` lines. */
    height?: number;
    /** Columns left of the axis: the label, then the axis at `offset - 1`. */
    offset?: number;
    padding?: string;
    format?: (value: number, row: number) => string;
    /** One SGR sequence per series (`asciichart.cyan`…); none: no escape sequences at all. */
    colors?: string[];
    /** `┼ ┤ ╶ ╴ ─ ╰ ╭ ╮ ╯ │`: the axis, the axis at zero, and the line's pieces. */
    symbols?: string[];
  }
  export function plot(series: number[] | number[][], config?: PlotConfig): string;
  export function colored(text: string, color: string | undefined): string;
  export const black: string;
  export const red: string;
  export const green: string;
  export const yellow: string;
  export const blue: string;
  export const magenta: string;
  export const cyan: string;
  export const lightgray: string;
  export const darkgray: string;
  export const reset: string;
  const asciichart: {
    plot: typeof plot;
    colored: typeof colored;
    red: string;
    green: string;
    yellow: string;
    blue: string;
    magenta: string;
    cyan: string;
    reset: string;
  };
  export default asciichart;
}
