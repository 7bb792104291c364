/** Colours by role. With NO_COLOR every role is undefined and the screens rely on inverse and symbols. */
export interface Theme {
  noColor: boolean;
  accent?: string;
  muted?: string;
  error?: string;
  warn?: string;
  ok?: string;
}

export function makeTheme(noColor: boolean, accent = 'cyan'): Theme {
  if (noColor) return { noColor: true };
  return { noColor: false, accent, muted: 'gray', error: 'red', warn: 'yellow', ok: 'green' };
}
