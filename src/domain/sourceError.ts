/** A problem found in a file a person wrote, located so they can jump to it. */
export interface SourceError {
  file: string;
  /** 1-based; 0 when the problem has no position (for example an unreadable file). */
  line: number;
  column: number;
  /** Dotted path of the offending value, e.g. `compute.instances[0].type`; empty for syntax errors. */
  path: string;
  message: string;
}

/** `data/projects/web.yaml:14:5: compute.instances[0].type: "t9.huge" is not an instance type` */
export function formatSourceError(e: SourceError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  return e.path ? `${where}: ${e.path}: ${e.message}` : `${where}: ${e.message}`;
}
