import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TestCluster, type NodeHandle } from '@rookery/testing';

/**
 * POST /api/games/:id/moves in its common form is answered before Express and Nest see it
 * (http/direct-moves.ts); every other form still goes through them. The same request is sent
 * both ways here (the framework's way by adding a query string, which the direct route leaves
 * alone) and must get the same answer. Express adds an ETag to what it sends and the direct
 * route does not: that is how each test knows which way a request went.
 */

interface Reply {
  status: number;
  json: { ok: boolean; error?: { code: string; message: string }; [k: string]: unknown };
  node: string | undefined;
  etag: string | undefined;
  type: string | undefined;
}

function send(node: NodeHandle, path: string, body: string | Buffer, headers: Record<string, string | number>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${node.url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, json: JSON.parse(text) as Reply['json'], node: res.headers['x-rookery-node'] as string | undefined, etag: res.headers['etag'], type: res.headers['content-type'] }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (body: unknown, more: Record<string, string> = {}): [string, Record<string, string | number>] => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return [text, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...more }];
};

describe('HTTP moves: the direct route and the framework answer alike', () => {
  let cluster: TestCluster;
  let node: NodeHandle;
  let gameId: string;
  const white = { session: 'direct-white', token: '' };
  const black = { session: 'direct-black', token: '' };
  const as = (seat: { session: string; token: string }): Record<string, string> => ({ 'x-rookery-session': seat.session, authorization: `Bearer ${seat.token}` });

  /** The same move request, direct and through the framework. */
  const both = async (body: unknown, headers: Record<string, string>, id = gameId): Promise<[Reply, Reply]> => {
    const [text, h] = json(body, headers);
    const direct = await send(node, `/api/games/${id}/moves`, text, h);
    const framework = await send(node, `/api/games/${id}/moves?via=framework`, text, h);
    assert.equal(direct.etag, undefined, 'the direct route answered');
    assert.notEqual(framework.etag, undefined, 'the framework answered');
    return [direct, framework];
  };

  before(async () => {
    cluster = await TestCluster.start(1);
    node = cluster.nodes[0]!;
    const [c, ch] = json({ requestId: 'create', timeControl: null, color: 'white', name: 'White' }, { 'x-rookery-session': white.session });
    const created = await send(node, '/api/games', c, ch);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    gameId = String(created.json['gameId']);
    white.token = String(created.json['token']);
    const [j, jh] = json({ requestId: 'join', name: 'Black' }, { 'x-rookery-session': black.session });
    const joined = await send(node, `/api/games/${gameId}/join`, j, jh);
    assert.equal(joined.status, 201, JSON.stringify(joined.json));
    black.token = String(joined.json['token']);
  });

  after(() => cluster?.stop());

  it('refuses a bad move request with the same status and body either way, and changes nothing', async () => {
    const cases: [string, unknown, Record<string, string>, string?][] = [
      ['no session', { requestId: 'r1', move: 'e4' }, { authorization: `Bearer ${white.token}` }],
      ['a token of the wrong form', { requestId: 'r1', move: 'e4' }, { ...as(white), authorization: 'Bearer short' }],
      ["the other seat's turn", { requestId: 'r1', move: 'e5' }, as(black)],
      ['an illegal move', { requestId: 'r1', move: 'e5' }, as(white)],
      ['no such game', { requestId: 'r1', move: 'e4' }, as(white), 'nosuchgame'],
      ['no requestId', { move: 'e4' }, as(white)],
      ['a ply of the wrong type', { requestId: 'r1', move: 'e4', ply: 'one' }, as(white)],
      ['an empty body', '', as(white)],
      ['an array', '[]', as(white)],
      ['a byte-order mark before an empty object', '\uFEFF{}', as(white)],
    ];
    for (const [what, body, headers, id] of cases) {
      const [direct, framework] = await both(body, headers, id);
      assert.ok(direct.status >= 400, `${what}: refused (${direct.status} ${JSON.stringify(direct.json)})`);
      assert.deepEqual({ status: direct.status, json: direct.json }, { status: framework.status, json: framework.json }, what);
      assert.equal(direct.node, framework.node, `${what}: x-rookery-node`);
      assert.equal(direct.type, framework.type, `${what}: content-type`);
    }
    // Not JSON, or JSON but not an object or array: the same status and code (the parsers word their messages differently).
    for (const body of ['{', '"e4"', '1', 'null', '{"requestId":"a"}x']) {
      const [direct, framework] = await both(body, as(white));
      assert.deepEqual([direct.status, direct.json.error?.code], [400, 'ERR_BAD_REQUEST'], `${body}: ${JSON.stringify(direct.json)}`);
      assert.deepEqual([framework.status, framework.json.error?.code], [400, 'ERR_BAD_REQUEST'], `${body}: ${JSON.stringify(framework.json)}`);
    }
    const view = (await (await fetch(`${node.url}/api/games/${gameId}`)).json()) as { game: { version: number; moves: unknown[] } };
    assert.equal(view.game.moves.length, 0, 'no move was made');
  });

  it('plays moves either way, and a retried request gets its first answer whichever way it comes', async () => {
    const [e4, e4h] = json({ requestId: 'w1', move: 'e4' }, as(white));
    const first = await send(node, `/api/games/${gameId}/moves`, e4, e4h);
    assert.equal(first.status, 201, JSON.stringify(first.json));
    assert.equal(first.json.ok, true);
    assert.equal(first.node, node.id);
    assert.equal(first.type, 'application/json; charset=utf-8');
    const retried = await send(node, `/api/games/${gameId}/moves?via=framework`, e4, e4h);
    assert.equal(retried.status, 201);
    assert.deepEqual({ ...retried.json, duplicate: undefined }, { ...first.json, duplicate: undefined });
    assert.equal(retried.json['duplicate'], true);

    const [e5, e5h] = json({ requestId: 'b1', move: 'e5' }, as(black));
    const viaFramework = await send(node, `/api/games/${gameId}/moves?via=framework`, e5, e5h);
    assert.equal(viaFramework.status, 201, JSON.stringify(viaFramework.json));
    const again = await send(node, `/api/games/${gameId}/moves`, e5, e5h);
    assert.equal(again.etag, undefined, 'the direct route answered');
    assert.deepEqual({ ...again.json, duplicate: undefined }, { ...viaFramework.json, duplicate: undefined });
    assert.equal(again.json['duplicate'], true);

    const view = (await (await fetch(`${node.url}/api/games/${gameId}`)).json()) as { game: { moves: { san: string }[] } };
    assert.deepEqual(view.game.moves.map((m) => m.san), ['e4', 'e5'], 'each move once');
  });

  it('leaves every other form of the request to the framework, which answers it as before', async () => {
    const move = (requestId: string, san: string): string => JSON.stringify({ requestId, move: san });
    const moves = `/api/games/${gameId}/moves`;
    const viaSlash = await send(node, `${moves}/`, move('w2', 'Nf3'), { ...as(white), 'content-type': 'application/json' });
    assert.deepEqual([viaSlash.status, viaSlash.json.ok, viaSlash.etag !== undefined], [201, true, true], `viaSlash: ${JSON.stringify(viaSlash)}`);
    const zipped = gzipSync(move('b2', 'Nc6'));
    const viaGzip = await send(node, moves, zipped, { ...as(black), 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': zipped.length });
    assert.deepEqual([viaGzip.status, viaGzip.json.ok, viaGzip.etag !== undefined], [201, true, true], `viaGzip: ${JSON.stringify(viaGzip)}`);
    const viaChunks = await send(node, moves, move('w3', 'Bb5'), { ...as(white), 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    assert.deepEqual([viaChunks.status, viaChunks.json.ok, viaChunks.etag !== undefined], [201, true, true], `viaChunks: ${JSON.stringify(viaChunks)}`);
    const latin1 = await send(node, moves, move('b3', 'a6'), { ...as(black), 'content-type': 'application/json; charset=latin1' });
    assert.deepEqual([latin1.status, latin1.json.error?.code, latin1.etag !== undefined], [415, 'ERR_BAD_REQUEST', true]);
    const huge = JSON.stringify({ requestId: 'b3', move: 'a6', pad: 'x'.repeat(17 * 1024) });
    const tooLarge = await send(node, moves, huge, { ...as(black), 'content-type': 'application/json', 'content-length': huge.length });
    assert.deepEqual([tooLarge.status, tooLarge.json.error?.code], [413, 'ERR_TOO_LARGE']);
    const view = (await (await fetch(`${node.url}/api/games/${gameId}`)).json()) as { game: { moves: { san: string }[] } };
    assert.deepEqual(view.game.moves.map((m) => m.san), ['e4', 'e5', 'Nf3', 'Nc6', 'Bb5']);
  });
});
