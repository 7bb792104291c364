import type { DeckSession } from './startDeck';

/** `:run LINE` typed into the palette, as a person does; returns once `until` shows. */
export async function runFromPalette(
  d: DeckSession,
  line: string,
  until: Parameters<DeckSession['waitFor']>[0],
): Promise<void> {
  await d.press(':');
  await d.type(`run ${line}`);
  await d.press('enter');
  await d.waitFor(until);
}

/** `:run LINE`, then Enter on the job once it completed: its log, at its end. */
export async function runAndOpenLog(d: DeckSession, line: string): Promise<void> {
  await runFromPalette(d, line, /completed/);
  // The toast of the queued job would hide the hint line below the log.
  d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
  await d.press('enter');
  await d.waitFor(/ · end/);
}
