/** The program and arguments that open `file` in the user's editor (`$VISUAL`, `$EDITOR`, else vi). */
export function editorCommand(env: NodeJS.ProcessEnv, file: string): { program: string; args: string[] } {
  const [program, ...args] = (env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi').split(/\s+/);
  return { program, args: [...args, file] };
}
