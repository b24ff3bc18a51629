/**
 * Fuzzing the HTTP API: random, mistyped and oversized bodies, headers and seat tokens on
 * POST /api/games, /:id/join and /:id/moves, the 16 KiB body limit (inflated bytes counted), and
 * JSON 404s for unknown routes and games. The suite's frame (seed, cluster, hooks, last check) is
 * in fuzz.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ChessErrorCode as C, GatewayErrorCode as G, SESSION, TOKEN, checkPayload, type ClientEventName } from '@rookery/protocol';
import fc from 'fast-check';
import { afterAllTheJunk, fuzzCluster, params } from './fuzz.spec-fixtures';
import { cluster, http } from './fuzz/cluster';
import { dedupeKey, fx, remember, type Failure, type GameName } from './fuzz/fixture';
import { applyMutation, basePayloadArb, gameNameArb, isPlain, junkArb, mutationArb, own, tokenFormatArb } from './fuzz/generators';
import { FIELDS, HTTP_CODES, IN_DOUBT, checkAnswer, guarded, httpStatus, machineExpect, merge, notes, only, type Expect, type Tally } from './fuzz/oracle';

const HTTP_BODY_LIMIT = 16 * 1024;
const FORM_BODY_LIMIT = 100 * 1024;

describe('fuzz: the gateway and the HTTP API of a 3-node cluster', { timeout: 180_000 }, () => {
  fuzzCluster();

  it('HTTP: random, mistyped, oversized bodies, headers and tokens on POST /api/games, /:id/join and /:id/moves', async () => {
    const routeArb = fc.constantFrom('create', 'join', 'move');
    const idArb = fc.oneof(
      { weight: 5, arbitrary: gameNameArb.map((g) => ({ sym: g as string })) },
      { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== '.' && s !== '..').map((raw) => ({ raw })) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).map((raw) => ({ raw })) },
      { weight: 1, arbitrary: fc.constantFrom({ bad: '%zz' }, { bad: '%E0%A4%A' }, { raw: 'a'.repeat(2000) }, { raw: 'a/b' }, { raw: '__proto__' }, { raw: 'constructor' }) },
    );
    const sessionHeaderArb = fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom<string | undefined>('A', 'B', 'C', 'Z') },
      { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{8,64}$/) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 7 }), fc.string({ minLength: 65, maxLength: 80 }), fc.constantFrom('has space1', 'quote"quote', 'abcdefgh, abcdefgh')) },
    );
    const authArb = fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('tA', 'tB', 'tC', 'tD').map((t) => ({ sym: t })) },
      { weight: 3, arbitrary: tokenFormatArb.map((t) => ({ header: `Bearer ${t}` })) },
      { weight: 1, arbitrary: fc.constant({ header: undefined as string | undefined }) },
      { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('Bearer', 'Bearer ', 'bearer abcdefghijklmnopq', 'Basic abcdefghijklmnopq', 'Bearer  abcdefghijklmnopq', 'Bearer abc def ghijklmnopq', 'Bearer short')).map((header) => ({ header })) },
    );
    const typeArb = fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'Application/JSON', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'multipart/form-data; boundary=x', 'none') },
    );
    const bodyArb = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('mutated' as const), mutations: fc.array(mutationArb, { maxLength: 2 }), base: fc.constantFrom<ClientEventName>('game:create', 'game:join', 'game:move').chain((e) => basePayloadArb(e)) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('json' as const), value: junkArb.filter((x) => !Buffer.isBuffer(x)) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom('', ' ', '{', '{"a":', '[1,', 'null', '"x"', '1', 'true', '{"requestId":"a"}x', '\uFEFF{}')) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: HTTP_BODY_LIMIT - 64, max: 64 * 1024 }), gzip: fc.boolean() }) },
    );
    const itemArb = fc.record({ node: fc.nat(2), route: routeArb, id: idArb, session: sessionHeaderArb, auth: authArb, type: typeArb, body: bodyArb });
    await fc.assert(
      fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 5 }), async (items) => {
        await guarded('http junk', async () => {
          const tally: Tally = { ok: 0, doubt: 0 };
          const seen = new Set<string>();
          await Promise.all(
            items.map(async (item) => {
              const node = cluster.nodes[item.node]!;
              const tokens: Record<string, string> = { ...fx.tokens };
              const sessions: Record<string, string> = { A: fx.sessions.A, B: fx.sessions.B, C: fx.sessions.C, Z: fx.sessions.Z };
              const session = item.session === undefined ? undefined : (own(sessions, item.session) ?? item.session);
              const authorization = 'sym' in item.auth ? `Bearer ${own(tokens, item.auth.sym)!}` : item.auth.header;
              const id = 'sym' in item.id ? (item.id.sym === 'unknown' ? 'nosuchgame' : fx.games[item.id.sym as GameName]) : 'raw' in item.id ? item.id.raw : undefined;
              const pathId = 'bad' in item.id ? item.id.bad : encodeURIComponent(id!);
              const path = item.route === 'create' ? '/api/games' : `/api/games/${pathId}/${item.route === 'join' ? 'join' : 'moves'}`;
              // The body, as bytes and as the server will parse it.
              let bytes: Buffer;
              let parsedJson: { value: unknown } | 'invalid' = 'invalid';
              let zipped = false;
              if (item.body.kind === 'mutated') {
                const p = { ...item.body.base.p };
                delete p['gameId'];
                const value = item.body.mutations.reduce<unknown>((acc, m) => (isPlain(acc) ? applyMutation(acc, m) : acc), p);
                bytes = Buffer.from(JSON.stringify(value) ?? '');
              } else if (item.body.kind === 'json') {
                bytes = Buffer.from(JSON.stringify(item.body.value) ?? '');
              } else if (item.body.kind === 'text') {
                bytes = Buffer.from(item.body.text);
              } else {
                bytes = Buffer.from(JSON.stringify({ requestId: 'huge', timeControl: null, color: 'white', name: 'x'.repeat(item.body.size) }));
                zipped = item.body.gzip;
              }
              const text = bytes.toString('utf8');
              try {
                const v = JSON.parse(text) as unknown;
                // body-parser's strict mode: an object or an array only.
                if (/^[\s]*[[{]/.test(text)) parsedJson = { value: v };
              } catch {
                parsedJson = 'invalid';
              }
              const headers: Record<string, string> = {};
              if (item.type !== 'none') headers['content-type'] = item.type;
              if (session !== undefined) headers['x-rookery-session'] = session;
              if (authorization !== undefined) headers['authorization'] = authorization;
              if (zipped) headers['content-encoding'] = 'gzip';
              const sent = zipped ? gzipSync(bytes) : bytes;
              // The oracle.
              const isJson = item.type.toLowerCase().startsWith('application/json');
              const latin1 = isJson && item.type.includes('latin1');
              let expect: Expect | undefined;
              let body: unknown;
              if (latin1) expect = only(G.BadRequest);
              else if (isJson && bytes.length > HTTP_BODY_LIMIT) expect = only('ERR_TOO_LARGE');
              else if (isJson && bytes.length > 0 && parsedJson === 'invalid') expect = only(G.BadRequest);
              else if (isJson) body = bytes.length === 0 ? {} : (parsedJson as { value: unknown }).value;
              else if (item.type === 'application/x-www-form-urlencoded') {
                if (bytes.length > FORM_BODY_LIMIT) expect = only('ERR_TOO_LARGE');
                // qs: flat keys only here would be needed to predict; junk text rarely is a form, so the answer is checked loosely.
                else body = 'form';
              }
              if ('bad' in item.id && item.route !== 'create' && expect === undefined) expect = only(G.BadRequest);
              const trimmed = session?.trim();
              if (expect === undefined && body !== 'form') {
                const event: ClientEventName = item.route === 'create' ? 'game:create' : item.route === 'join' ? 'game:join' : 'game:move';
                const checked = item.route === 'create' ? body : { ...(body as object), gameId: id };
                const problem = checkPayload(event, checked);
                const extras = isPlain(checked) ? Object.keys(checked).filter((k) => !FIELDS[event].includes(k)) : [];
                const q = (isPlain(body) ? body : {}) as Record<string, unknown>;
                if (problem !== undefined) expect = only(G.BadRequest);
                else if (trimmed === undefined || !SESSION.test(trimmed)) expect = only(G.BadRequest);
                else if (item.route === 'move' && !/^Bearer (\S+)$/.test(authorization?.trim() ?? '')) expect = only(C.NotSeated);
                else if (item.route === 'move' && !TOKEN.test(/^Bearer (\S+)$/.exec(authorization!.trim())![1]!)) expect = only(C.NotSeated);
                else {
                  const token = item.route === 'move' ? /^Bearer (\S+)$/.exec(authorization!.trim())![1]! : 'minted-token-0000000000';
                  const command =
                    item.route === 'create'
                      ? { type: 'create', requestId: q['requestId'], session: trimmed, gameId: 'minted00000', token, color: 'white', timeControl: q['timeControl'], ...(q['name'] !== undefined ? { name: q['name'] } : {}) }
                      : item.route === 'join'
                        ? { type: 'join', requestId: q['requestId'], session: trimmed, gameId: id, token, ...(q['color'] !== undefined ? { color: q['color'] } : {}), ...(q['name'] !== undefined ? { name: q['name'] } : {}) }
                        : { type: 'move', requestId: q['requestId'], session: trimmed, gameId: id, token, move: q['move'] };
                  expect = machineExpect(trimmed, command);
                  if (extras.length > 0) expect = { ...merge(only(G.BadRequest), expect), bug1: true };
                  // Would act on a fixture game: left out.
                  if (expect.unsafe) return;
                  const rid = dedupeKey(trimmed, String(q['requestId']));
                  if (seen.has(rid)) expect = { ...expect, codes: new Set([...expect.codes, C.RequestIdReused]) };
                  seen.add(rid);
                }
              }
              const what = `POST ${path} (${item.type}, ${sent.length} bytes${zipped ? ' gzip' : ''}, session ${JSON.stringify(session)}, ${JSON.stringify(authorization)}) ${text.slice(0, 200)}`;
              const r = await http(node, 'POST', path, sent, headers);
              assert.ok(r.type.startsWith('application/json'), `${what}: content-type ${r.type}: ${r.text.slice(0, 200)}`);
              assert.ok(isPlain(r.json), `${what}: not JSON: ${r.text.slice(0, 200)}`);
              const answer = r.json;
              if (answer['ok'] === true) {
                assert.ok(r.status === 201, `${what}: ok with status ${r.status}`);
              } else {
                const code = (answer['error'] as { code?: string } | undefined)?.code ?? '';
                assert.ok(r.status >= 400 && r.status < 500 ? true : IN_DOUBT.has(code) || code === C.TooManyGames, `${what}: status ${r.status}: ${r.text}`);
                assert.equal(r.status, latin1 ? 415 : httpStatus(code), `${what}: ${code} with status ${r.status}`);
              }
              if (expect === undefined) {
                // A form body, parsed by qs into strings and checked like any body: only the answer's form is certain here.
                if (answer['ok'] === true) assert.fail(`${what}: a form body was accepted (the fuzz never means to)`);
                checkAnswer(what, answer, { codes: HTTP_CODES, ok: false }, HTTP_CODES);
                return;
              }
              checkAnswer(what, answer, expect, HTTP_CODES);
              if (expect.bug1) notes.bug1Hits++;
              if (answer['ok'] === true) {
                tally.ok++;
                notes.acceptedByFuzz++;
                const q = (parsedJson as { value: Record<string, unknown> }).value;
                remember(trimmed!, q['requestId'], item.route === 'move' ? 'move' : item.route, item.route === 'create' ? '' : id!);
              } else if (IN_DOUBT.has((answer['error'] as { code: string }).code)) tally.doubt++;
            }),
          );
          return tally;
        });
      }),
      params(40, 6),
    );
  });

  it('HTTP: the 16 KiB body limit is exact and counts inflated bytes; unknown routes and games answer JSON 404s', async () => {
    await guarded('http limits', async () => {
      const node = cluster.nodes[2]!;
      const headers = { 'content-type': 'application/json', 'x-rookery-session': fx.sessions.Z };
      const bodyOf = (bytes: number): string => {
        const base = JSON.stringify({ requestId: 'limit', timeControl: null, color: 'white', name: '' });
        return base.replace('"name":""', `"name":"${'x'.repeat(bytes - base.length)}"`);
      };
      const at = await http(node, 'POST', '/api/games', bodyOf(HTTP_BODY_LIMIT), headers);
      assert.equal(at.status, 400, at.text);
      assert.equal((at.json as Failure).error.code, G.BadRequest);
      const over = await http(node, 'POST', '/api/games', bodyOf(HTTP_BODY_LIMIT + 1), headers);
      assert.equal(over.status, 413, over.text);
      assert.deepEqual(over.json, { ok: false, error: { code: 'ERR_TOO_LARGE', message: 'request entity too large' } });
      const bomb = await http(node, 'POST', '/api/games', gzipSync(Buffer.from(bodyOf(100_000))), { ...headers, 'content-encoding': 'gzip' });
      assert.equal(bomb.status, 413, bomb.text);
      for (const [method, path] of [
        ['GET', '/api/games/nosuchgame'],
        ['GET', `/api/games/${encodeURIComponent('../../etc')}`],
        ['GET', '/api/games/nosuchgame/pgn'],
        ['PUT', '/api/games'],
        ['POST', '/api/nothing'],
        ['GET', '/api/games/nosuchgame/moves'],
      ] as const) {
        const r = await http(node, method, path);
        assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
        const code = (r.json as Failure).error.code;
        assert.ok(code === C.UnknownGame || code === 'ERR_NOT_FOUND', `${method} ${path}: ${r.text}`);
      }
      return { ok: 0, doubt: 0 };
    });
  });

  afterAllTheJunk();
});
