import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Chat Completions server speaking the streaming protocol as documented: `POST /v1/chat/completions`
 * with `stream: true` answers `text/event-stream`, one `data: {chat.completion.chunk}` event per piece (the text
 * in `choices[0].delta.content`, the last one with a `finish_reason`), then `data: [DONE]`. Each test says how
 * this one misbehaves.
 */

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: { model?: string; stream?: boolean; messages?: { role: string; content: string }[] };
}

export type Behaviour = (
  req: IncomingMessage,
  res: ServerResponse,
  seen: SeenRequest,
) => void | Promise<void>;

export interface ChatServer {
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startChatServer(behaviour: Behaviour): Promise<ChatServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const seen: SeenRequest = { path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : {} };
    requests.push(seen);
    await behaviour(req, res, seen);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let n = 0;

/** One `chat.completion.chunk` as OpenAI documents it. */
export function chunk(content: string | null, finishReason: string | null = null, first = false): string {
  return JSON.stringify({
    id: `chatcmpl-test${++n}`,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'test-model',
    choices: [
      {
        index: 0,
        delta: first ? { role: 'assistant', content: content ?? '' } : content === null ? {} : { content },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
  });
}

export function sseHead(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
}

export function send(res: ServerResponse, data: string): void {
  res.write(`data: ${data}\n\n`);
}

/** A whole, well-behaved answer: the pieces, a closing chunk with `finish_reason: stop`, and `[DONE]`. */
export function streams(pieces: string[]): Behaviour {
  return (_req, res) => {
    sseHead(res);
    for (const [i, p] of pieces.entries()) send(res, chunk(p, null, i === 0));
    send(res, chunk(null, 'stop'));
    send(res, '[DONE]');
    res.end();
  };
}
