/**
 * All a command gets of the worker's environment: where programs are, who and where it runs, how to print.
 * Never the rest: whoever can queue a job must not be able to read the worker's AWS keys or Redis password.
 */
const inheritedVariables = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TERM',
  'TZ',
  'TMPDIR',
]);

/** The command's environment: the allowed variables of the worker's, then what the job's payload sets. */
export function commandEnvironment(
  workerEnv: NodeJS.ProcessEnv,
  payloadEnv: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Names first, values only of the allowed ones: each read of `process.env` is a call into the C++ side, and
  // this runs between a job's start and its program's.
  for (const name of Object.keys(workerEnv)) {
    if (!inheritedVariables.has(name) && !name.startsWith('LC_')) continue;
    const value = workerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return { ...env, ...payloadEnv };
}
