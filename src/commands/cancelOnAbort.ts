/**
 * While a command follows a job: its abort signal (Ctrl-C) cancels the job, once, saying so on stderr. Returns
 * the stop (call it when the job ended).
 */
export function cancelOnAbort(
  io: { stderr: NodeJS.WritableStream; signal?: AbortSignal },
  what: string,
  cancel: () => Promise<void>,
): () => void {
  let cancelling = false;
  const onAbort = () => {
    if (cancelling) return;
    cancelling = true;
    io.stderr.write(`cancelling ${what}\n`);
    cancel().catch((error) => io.stderr.write(`${(error as Error).message}\n`));
  };
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener('abort', onAbort, { once: true });
  return () => io.signal?.removeEventListener('abort', onAbort);
}
