/**
 * How the CLI names remote CI: `REPO:WORKFLOW` (what `pipeline run` starts: `shop:ci.yml`, `shop:.gitlab-ci.yml`)
 * and `REPO#RUN` (a run: `shop#4242`), REPO as the Repositories tab names the repository. Local pipeline names and
 * job ids hold neither `:` nor `#`, so the argument alone says which one is meant.
 */
export function isRemoteTarget(arg: string): boolean {
  return arg.includes(':') || arg.includes('#');
}

/** `shop:ci.yml` -> shop, ci.yml (the last colon: a workflow file never holds one, a folder's name may). */
export function splitWorkflowTarget(arg: string): { repo: string; workflow: string } | undefined {
  const at = arg.lastIndexOf(':');
  if (at <= 0) return undefined;
  return { repo: arg.slice(0, at), workflow: arg.slice(at + 1) };
}

/** `shop#4242` -> shop, 4242. */
export function splitRunTarget(arg: string): { repo: string; run: string } | undefined {
  const at = arg.lastIndexOf('#');
  if (at <= 0) return undefined;
  const run = arg.slice(at + 1);
  return /^[1-9]\d{0,19}$/.test(run) ? { repo: arg.slice(0, at), run } : undefined;
}

/** The notation of a remote run: `REPO#RUN`. */
export function runNotation(repo: string, run: string): string {
  return `${repo}#${run}`;
}
