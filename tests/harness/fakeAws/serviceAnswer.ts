/** What one service call answered, before the server writes it (or drops the connection instead). */
export interface ServiceAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  action: string;
  /** The id or bucket acted on or made, when known. */
  target?: string;
  /** The error code when the call failed. */
  error?: string;
}
