import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { GatewayErrorCode } from '@rookery/protocol';
import type { TrustedProxies } from './client-ip';
import { errorAnswer } from './errors.filter';

/** What the direct route needs of the games controller: its move command (GamesController.moveCommand). */
export interface MoveCommand {
  moveCommand(ip: string, gameId: string, session: string | undefined, auth: string | undefined, body: unknown): Promise<unknown>;
}

export interface DirectMovesOptions {
  moves: MoveCommand;
  proxies: TrustedProxies;
  nodeId: string;
  /** The JSON body limit, bytes (the framework's parser has the same). */
  bodyLimit: number;
}

/** The common form of a move's request: a plain game id (no escapes), no query, no trailing slash. */
const MOVES_PATH = /^\/api\/games\/([A-Za-z0-9_-]{1,64})\/moves$/;
/** JSON in UTF-8: what the framework's JSON parser reads without converting a charset. */
const JSON_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset="?utf-8"?[ \t]*)?$/i;
/** JSON's whitespace, then the first character: the body parser's strict mode takes only an object or an array. */
const FIRST = /^[ \t\n\r]*(.)/s;

/**
 * A direct route for POST /api/games/:id/moves, the request k6 sends by the thousand: taken off
 * the HTTP server before Express and Nest see it, read, answered by the same controller code
 * (GamesController.moveCommand, errors through errorAnswer, as ErrorsFilter shapes them) and
 * written in one response.
 *
 * Why: on this project's 2-core machine, Express's router and body parser and Nest's route
 * pipeline cost a node more CPU per HTTP move than the move itself (a profile of the leader at
 * 1,000 moves/s). The answer is the same either way, status, body and x-rookery-node header.
 *
 * Only the common form is taken: a plain game id, a UTF-8 JSON body with a Content-Length
 * within the limit, no Content-Encoding. Anything else (an escaped or odd path, another content
 * type or charset, a compressed, chunked or oversized body, another method) is left to the
 * framework, untouched, which answers it as before. The body is read as body-parser's `json()`
 * reads it: empty is `{}`, anything but an object or an array is a 400.
 */
export function serveMovesDirectly(server: Server, o: DirectMovesOptions): void {
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const gameId = directMove(req, o.bodyLimit);
    if (gameId !== undefined) return read(req, res, o, gameId);
    for (const l of framework) l.call(server, req, res);
  });
}

/** The game id of a move in the common form, else undefined (decided on the request's head alone: nothing of it is read yet). */
function directMove(req: IncomingMessage, bodyLimit: number): string | undefined {
  const gameId = req.method === 'POST' ? MOVES_PATH.exec(req.url ?? '')?.[1] : undefined;
  if (gameId === undefined) return undefined;
  const h = req.headers;
  if (h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined) return undefined;
  const length = Number(h['content-length']);
  return h['content-length'] !== undefined && Number.isSafeInteger(length) && length <= bodyLimit && JSON_TYPE.test(h['content-type'] ?? '') ? gameId : undefined;
}

function read(req: IncomingMessage, res: ServerResponse, o: DirectMovesOptions, gameId: string): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('error', () => res.destroy());
  // answer() catches every refusal itself; what is left (a response that cannot be written) ends the connection.
  req.on('end', () => void answer(req, res, o, gameId, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).catch(() => res.destroy()));
}

async function answer(req: IncomingMessage, res: ServerResponse, o: DirectMovesOptions, gameId: string, bytes: Buffer): Promise<void> {
  let status = 201; // Nest's status for a POST route
  let body: unknown;
  try {
    const parsed = parseBody(bytes);
    if ('problem' in parsed) {
      status = 400;
      body = { ok: false, error: { code: GatewayErrorCode.BadRequest, message: parsed.problem } };
    } else {
      const ip = o.proxies.clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
      body = await o.moves.moveCommand(ip, gameId, header(req, 'x-rookery-session'), header(req, 'authorization'), parsed.value);
    }
  } catch (e) {
    ({ status, body } = errorAnswer(e));
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'x-rookery-node': o.nodeId, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A JSON body as body-parser's `json()` (strict) reads it. */
function parseBody(bytes: Buffer): { value: unknown } | { problem: string } {
  // body-parser decodes through iconv-lite, which drops a byte-order mark.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.length === 0) return { value: {} };
  const first = FIRST.exec(text)?.[1];
  if (first !== '{' && first !== '[') return { problem: `the body is not a JSON object or array (it starts ${JSON.stringify(first ?? '')})` };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { problem: `the body is not JSON: ${(e as Error).message}` };
  }
}

/** A header as Nest's @Headers(name) gives it (Node joins repeats of most headers). */
function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
