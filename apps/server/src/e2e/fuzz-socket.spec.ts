/**
 * Fuzzing the Socket.IO gateway: random, mistyped and mutated payloads for every client event and
 * for unknown ones, frames over 4 KiB (and the limit exactly), handshakes with bad sessions and bad,
 * stolen or forged seat tokens, raw frames, and watching unknown games or versions not yet applied.
 * The suite's frame (seed, cluster, hooks, last check) is in fuzz.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT_EVENTS, ChessErrorCode as C, GatewayErrorCode as G, MAX_PAYLOAD_BYTES, SESSION, TOKEN, checkPayload, type ClientEventName } from '@rookery/protocol';
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { sleep } from './client';
import { ACK_MS, PROPOSAL_TIMEOUT_MS, afterAllTheJunk, fuzzCluster, params } from './fuzz.spec-fixtures';
import { cluster, connect, mustConnect, stray } from './fuzz/cluster';
import { KINDS, SEAT_TYPE, dedupeKey, fx, pooled, remember, seatsOf, sessionOf, type Answer, type Failure } from './fuzz/fixture';
import { applyMutation, basePayloadArb, hasBinary, isPlain, junkArb, mutationArb, own, requestIdArb, resolveGame, tokenFormatArb, validGameIdArb } from './fuzz/generators';
import { IN_DOUBT, SOCKET_CODES, checkAnswer, describeItem, guarded, machineExpect, notes, socketExpect, type Tally } from './fuzz/oracle';

const SEAT_EVENTS: readonly ClientEventName[] = ['game:move', 'game:resign', 'game:offerDraw', 'game:acceptDraw', 'game:declineDraw', 'game:claimDraw', 'game:abort'];
const PROPOSING = new Set<string>(['game:create', 'game:join', ...SEAT_EVENTS]);
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

describe('fuzz: the gateway and the HTTP API of a 3-node cluster', { timeout: 180_000 }, () => {
  fuzzCluster();

  it('socket: random, mistyped and mutated payloads for every client event and for unknown events', async () => {
    const eventArb = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...CLIENT_EVENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }).filter((s) => !(CLIENT_EVENTS as readonly string[]).includes(s) && !RESERVED.has(s)) });
    const itemArb = fc
      .record({ node: fc.nat(2), kind: fc.constantFrom(...KINDS), event: eventArb, mutations: fc.array(mutationArb, { maxLength: 2 }), arity: fc.constantFrom(1, 1, 1, 1, 1, 1, 1, 1, 0, 2), second: junkArb, ack: fc.boolean() })
      .chain((it) => basePayloadArb((CLIENT_EVENTS as readonly string[]).includes(it.event) ? (it.event as ClientEventName) : 'game:move').map((base) => ({ ...it, base })));
    await fc.assert(
      fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 6 }), async (items) => {
        await guarded('socket junk', async () => {
          const tally: Tally = { ok: 0, doubt: 0 };
          const used = new Set<Socket>();
          const seen = new Set<string>();
          await Promise.all(
            items.map(async (item) => {
              const node = cluster.nodes[item.node]!;
              const socket = await pooled(node, item.kind);
              const p = { ...item.base.p };
              if ('gameId' in p) p['gameId'] = resolveGame(item.base.g);
              let payload: unknown = item.mutations.reduce<unknown>((acc, m) => (isPlain(acc) ? applyMutation(acc, m) : acc), p);
              let args = item.arity === 0 ? [] : item.arity === 1 ? [payload] : [payload, item.second];
              let expect = socketExpect(item.kind, socket, item.event, args);
              const rid = isPlain(payload) && typeof payload['requestId'] === 'string' ? dedupeKey(sessionOf(item.kind, socket), payload['requestId']) : undefined;
              if (expect.unsafe) {
                // Would act on a fixture game: sent as junk instead.
                payload = { ...(payload as Record<string, unknown>), junk: 1 };
                args = [payload];
                expect = socketExpect(item.kind, socket, item.event, args);
              }
              // A twin in this batch (same session and request id) may be applied first: then this one is its duplicate, or refused as a reuse.
              if (rid !== undefined && seen.has(rid)) expect = { ...expect, codes: new Set([...expect.codes, C.RequestIdReused]) };
              if (rid !== undefined) seen.add(rid);
              const what = describeItem(node, item.kind, item.event, args);
              used.add(socket);
              const frame = Buffer.byteLength(JSON.stringify([item.event, ...args.map((a) => (Buffer.isBuffer(a) ? { _placeholder: true, num: 0 } : a))])) + 12;
              assert.ok(frame < MAX_PAYLOAD_BYTES && !(hasBinary(args) && args.some((a) => Buffer.isBuffer(a) && a.length > MAX_PAYLOAD_BYTES)), `${what}: the generator made an oversized frame`);
              if (!item.ack && !expect.ok && !expect.bug1) {
                socket.emit(item.event, ...args);
                return;
              }
              const answer = await socket.timeout(ACK_MS + PROPOSAL_TIMEOUT_MS).emitWithAck(item.event, ...args).catch((e: unknown) => ({ noAck: String(e) }));
              assert.ok(!('noAck' in answer), `${what}: no acknowledgement (${(answer as { noAck: string }).noAck}; connected: ${socket.connected})`);
              checkAnswer(what, answer, expect, SOCKET_CODES);
              if (expect.bug1) notes.bug1Hits++;
              const ok = (answer as Answer).ok;
              if (ok && PROPOSING.has(item.event)) {
                tally.ok++;
                notes.acceptedByFuzz++;
                const q = (expect.bug1 ? payload : args[0]) as Record<string, unknown>;
                const type = item.event === 'game:create' ? 'create' : item.event === 'game:join' ? 'join' : SEAT_TYPE[item.event]!;
                remember(sessionOf(item.kind, socket), q['requestId'], type, (q['gameId'] as string | undefined) ?? '');
              } else if (!ok && IN_DOUBT.has((answer as Failure).error.code)) tally.doubt++;
            }),
          );
          // A barrier: every packet sent before it has been handled (and any proposal made) once it is answered.
          await Promise.all([...used].map((s) => s.timeout(ACK_MS).emitWithAck('lobby:list', {})));
          for (const s of used) assert.ok(s.connected, 'a socket that sent no oversized frame was disconnected');
          return tally;
        });
      }),
      params(30, 1),
    );
  });

  it('socket: a frame over 4 KiB (text or binary) closes the connection without an answer', async () => {
    const bigArb = fc.oneof(
      fc.record({ kind: fc.constant('string' as const), size: fc.integer({ min: MAX_PAYLOAD_BYTES + 1, max: 64 * 1024 }), wide: fc.boolean() }),
      fc.record({ kind: fc.constant('array' as const), size: fc.integer({ min: MAX_PAYLOAD_BYTES + 1, max: 32 * 1024 }), wide: fc.boolean() }),
      // Deep nesting, up to what JSON.stringify here survives: 2100 levels make 4200 bytes.
      fc.record({ kind: fc.constant('nested' as const), size: fc.integer({ min: MAX_PAYLOAD_BYTES / 2 + 52, max: 2600 }), wide: fc.boolean() }),
      fc.record({ kind: fc.constant('binary' as const), size: fc.integer({ min: MAX_PAYLOAD_BYTES + 1, max: 64 * 1024 }), wide: fc.boolean() }),
    );
    const caseArb = fc.record({ node: fc.nat(2), event: fc.oneof(fc.constantFrom(...CLIENT_EVENTS), fc.constantFrom('nope', 'game:anything')), big: bigArb, base: fc.constantFrom(...CLIENT_EVENTS).chain((e) => basePayloadArb(e)) });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ node: i, event, big, base }) => {
        await guarded('oversized', async () => {
          const node = cluster.nodes[i]!;
          const socket = await mustConnect(node, { session: fx.sessions.A, seats: seatsOf('A') });
          const p: Record<string, unknown> = { ...base.p };
          if ('gameId' in p) p['gameId'] = resolveGame(base.g);
          const unit = big.wide ? 'é' : 'x';
          if (big.kind === 'string') p['name'] = unit.repeat(big.wide ? Math.ceil(big.size / 2) : big.size);
          else if (big.kind === 'array') p['junk'] = Array.from({ length: Math.ceil(big.size / 2) }, (_, k) => k % 10);
          else if (big.kind === 'nested') p['junk'] = JSON.parse('['.repeat(big.size) + ']'.repeat(big.size)) as unknown;
          else p['junk'] = Buffer.alloc(big.size, 7);
          const frame = big.kind === 'binary' ? big.size : Buffer.byteLength(`420${JSON.stringify([event, p])}`);
          assert.ok(frame > MAX_PAYLOAD_BYTES, `the generator made a small frame (${frame} bytes)`);
          const closed = new Promise<string>((r) => socket.once('disconnect', (reason) => r(reason)));
          const answer = await socket.timeout(ACK_MS).emitWithAck(event, p).then(
            (a: unknown) => ({ answered: a }),
            (e: unknown) => ({ error: String(e) }),
          );
          assert.ok(!('answered' in answer), `${event} with a ${frame}-byte ${big.kind} frame was answered: ${JSON.stringify(answer).slice(0, 300)}`);
          const reason = await Promise.race([closed, sleep(ACK_MS).then(() => 'still connected')]);
          assert.match(reason, /^transport (close|error)$/, `${event} with a ${frame}-byte frame`);
          return { ok: 0, doubt: 0 };
        });
      }),
      params(10, 2),
    );
  });

  it('socket: the 4 KiB limit is exact, in UTF-8 bytes of the frame, on both transports', async () => {
    await guarded('payload boundary', async () => {
      const node = cluster.nodes[1]!;
      const frameOf = (x: string): number => Buffer.byteLength(`420${JSON.stringify(['game:watch', { gameId: x }])}`);
      const fill = (bytes: number): string => {
        const room = bytes - frameOf('');
        return 'é'.repeat(Math.floor(room / 2)) + (room % 2 === 1 ? 'a' : '');
      };
      for (const [bytes, transports] of [[MAX_PAYLOAD_BYTES, ['websocket']], [MAX_PAYLOAD_BYTES + 1, ['websocket']], [MAX_PAYLOAD_BYTES + 1, ['polling']]] as const) {
        const x = fill(bytes);
        assert.equal(frameOf(x), bytes);
        const socket = io(node.url, { transports: [...transports], reconnection: false, forceNew: true, auth: {} });
        stray.push(socket);
        await new Promise<void>((r, j) => {
          socket.once('connect', () => r());
          socket.once('connect_error', j);
        });
        const closed = new Promise<string>((r) => socket.once('disconnect', (reason) => r(reason)));
        const answer = await socket.timeout(ACK_MS).emitWithAck('game:watch', { gameId: x }).catch((e: unknown) => ({ error: String(e) }));
        if (bytes <= MAX_PAYLOAD_BYTES) {
          assert.deepEqual((answer as Failure).error?.code, G.BadRequest, `a ${bytes}-byte frame: ${JSON.stringify(answer).slice(0, 200)}`);
          assert.ok(socket.connected);
        } else {
          assert.ok('error' in answer && typeof answer.error === 'string', `a ${bytes}-byte frame over ${transports[0]} was answered: ${JSON.stringify(answer).slice(0, 200)}`);
          assert.match(await closed, /^transport (close|error)$/);
        }
        socket.close();
      }
      return { ok: 0, doubt: 0 };
    });
  });

  it('socket: handshakes with bad sessions, bad seats maps, and stolen or forged seat tokens', async () => {
    const badSession = fc.oneof(fc.string({ maxLength: 7 }), fc.string({ minLength: 65, maxLength: 90 }), fc.string({ unit: 'binary', minLength: 8, maxLength: 20 }).filter((s) => !SESSION.test(s)), junkArb.filter((x) => typeof x !== 'string'));
    const sessionArb = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:-]{8,64}$/), badSession);
    const seatKey = fc.oneof({ weight: 4, arbitrary: fc.constantFrom<string>('G1', 'G2', 'G3') }, { weight: 2, arbitrary: validGameIdArb }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
    const seatToken = fc.oneof({ weight: 4, arbitrary: fc.constantFrom<unknown>('tA', 'tB', 'tC', 'tD') }, { weight: 3, arbitrary: tokenFormatArb }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }, { weight: 1, arbitrary: junkArb });
    const seatsArb = fc.oneof(
      { weight: 6, arbitrary: fc.dictionary(seatKey, seatToken, { maxKeys: 4 }) },
      { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, k) => [`g${k}`, 'forged-token-000000'.padEnd(24, String(k % 10))]))) },
      { weight: 1, arbitrary: junkArb },
    );
    const authArb = fc.oneof(
      { weight: 8, arbitrary: fc.record({ session: sessionArb, seats: seatsArb, other: junkArb }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: junkArb.filter((x) => !Buffer.isBuffer(x)) },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(2), authArb, requestIdArb, async (i, auth0, requestId) => {
        await guarded('handshake', async () => {
          // Symbolic games and tokens become the fixture's.
          const sym: Record<string, string> = { G1: fx.games.G1, G2: fx.games.G2, G3: fx.games.G3, ...fx.tokens };
          let auth: unknown = auth0;
          if (isPlain(auth0) && isPlain(auth0['seats'])) {
            const seats: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(auth0['seats'])) Object.defineProperty(seats, own(sym, k) ?? k, { value: typeof v === 'string' ? (own(sym, v) ?? v) : v, enumerable: true, writable: true, configurable: true });
            auth = { ...auth0, seats };
          }
          const node = cluster.nodes[i]!;
          const { socket, outcome } = await connect(node, auth);
          const what = `handshake ${JSON.stringify(auth)?.slice(0, 300)} to ${node.id}`;
          // The CONNECT packet carries the auth as plain JSON (Buffers become { type, data }).
          const wire = auth === undefined ? undefined : (JSON.parse(JSON.stringify(auth)) as unknown);
          if (!isPlain(wire)) {
            // Not an object: refused by Socket.IO's parser (closed), or read as no auth at all.
            assert.match(outcome, /^(connect|disconnect: .*|connect_error: .*)$/, what);
            socket.close();
            return { ok: 0, doubt: 0 };
          }
          const session = wire['session'];
          const seats = wire['seats'];
          let refusal: RegExp | undefined;
          if (session !== undefined && (typeof session !== 'string' || !SESSION.test(session))) refusal = /^ERR_BAD_REQUEST: auth\.session /;
          else if (seats !== undefined && (!isPlain(seats) || Object.keys(seats).length > 64)) refusal = /^ERR_BAD_REQUEST: auth\.seats must map /;
          else if (isPlain(seats) && Object.entries(seats).some(([g, t]) => typeof t !== 'string' || !TOKEN.test(t) || !/^[A-Za-z0-9_-]{1,32}$/.test(g))) refusal = /^ERR_BAD_REQUEST: auth\.seats\..* is not a seat token$/;
          if (refusal !== undefined) {
            assert.ok(outcome.startsWith('connect_error: '), `${what}: expected a refusal, got ${outcome}`);
            assert.match(outcome.slice('connect_error: '.length), refusal, what);
            socket.close();
            return { ok: 0, doubt: 0 };
          }
          assert.equal(outcome, 'connect', what);
          // Connected: each presented seat acts only as far as its token is genuine.
          const me = typeof session === 'string' ? session : `anon-${socket.id}`;
          const tally: Tally = { ok: 0, doubt: 0 };
          for (const [gameId, token] of Object.entries((seats ?? {}) as Record<string, string>).slice(0, 4)) {
            const move = { type: 'move', requestId: `${requestId}`.slice(0, 60) + gameId.slice(0, 3), session: me, gameId, token, move: 'Ke2' };
            const expect = machineExpect(me, move);
            if (expect.unsafe) continue;
            const answer = await socket.timeout(ACK_MS).emitWithAck('game:move', { requestId: move.requestId, gameId, move: 'Ke2' }).catch((e: unknown) => ({ noAck: String(e) }));
            assert.ok(!('noAck' in answer), `${what}: game:move in ${gameId}: no ack`);
            checkAnswer(`${what}: game:move in ${gameId} with ${token}`, answer, expect, SOCKET_CODES);
            if ((answer as Answer).ok) tally.ok++;
          }
          socket.close();
          return tally;
        });
      }),
      params(30, 3),
    );
  });

  it('socket: raw frames — broken packets, wrong types, reserved events, stray acks and attachments', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '9', '21', '2/admin,', '51-', '52-', '311', '6999999999999999999999', '2999999999999999999999'), fc.jsonValue({ maxDepth: 2 })).map(([h, v]) => h + JSON.stringify(v)),
      fc.tuple(fc.constantFrom(...RESERVED, 'game:create', 'game:move', 'lobby:list', 'x'), junkArb.filter((x) => !Buffer.isBuffer(x))).map(([ev, v]) => `2${JSON.stringify([ev, v])}`),
      fc.constantFrom('2', '2[', '2[]', '2[1]', '2[null]', '2{}', '0{"session":5}', '0/nope,{}', '1', '3[]', '51-["game:move",{"_placeholder":true,"num":0}]', '50-["lobby:list",{"_placeholder":true,"num":7}]', '511-["x"]'),
    );
    const frameArb = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)) });
    await fc.assert(
      fc.asyncProperty(fc.nat(2), fc.array(frameArb, { minLength: 1, maxLength: 3 }), async (i, frames) => {
        await guarded('raw frames', async () => {
          const node = cluster.nodes[i]!;
          const socket = await mustConnect(node, { session: fx.sessions.Z, seats: seatsOf('thief') });
          // A well-formed command in a raw frame has no ack id, so no answer to count: none may pass the checks.
          for (const f of frames) {
            if (typeof f !== 'string' || !f.startsWith('2[')) continue;
            let parsed: unknown;
            try {
              parsed = JSON.parse(f.slice(1));
            } catch {
              continue;
            }
            if (Array.isArray(parsed) && PROPOSING.has(String(parsed[0]))) assert.notEqual(checkPayload(parsed[0] as ClientEventName, parsed[1]), undefined, `a raw frame ${f} would be a command`);
          }
          for (const f of frames) socket.io.engine.write(f);
          await sleep(50);
          socket.close();
          // Whatever became of that connection (a DISCONNECT or CONNECT frame leaves the client unaware), the gateway still serves a new one.
          const probe = await mustConnect(node, { session: fx.sessions.Z });
          const r = (await probe.timeout(ACK_MS).emitWithAck('lobby:list', {})) as Answer;
          assert.equal(r.ok, true, `after raw frames ${JSON.stringify(frames.map(String))}: ${JSON.stringify(r)}`);
          probe.close();
          return { ok: 0, doubt: 0 };
        });
      }),
      params(15, 4),
    );
  });

  it(`socket: watching an unknown game is ${C.UnknownGame}; a version this node has not applied is ${G.Behind} after ${PROPOSAL_TIMEOUT_MS} ms`, async () => {
    await guarded('watch unknown', async () => {
      const socket = await pooled(cluster.nodes[0]!, 'anon');
      const started = Date.now();
      const [unknown, unknownAt, ahead, behind] = (await Promise.all([
        socket.timeout(ACK_MS).emitWithAck('game:watch', { gameId: 'nosuchgame' }),
        socket.timeout(ACK_MS).emitWithAck('game:watch', { gameId: 'nosuchgame', version: 0 }),
        socket.timeout(ACK_MS).emitWithAck('game:watch', { gameId: fx.games.G1, version: fx.versions.G1 + 1 }),
        socket.timeout(ACK_MS).emitWithAck('game:watch', { gameId: fx.games.G1, version: 1 }),
      ])) as [Answer, Answer, Answer, Answer];
      assert.equal((unknown as Failure).error.code, C.UnknownGame);
      // Settled: this replica has applied all it knows committed, so the game is unknown at once.
      assert.equal((unknownAt as Failure).error.code, C.UnknownGame);
      assert.equal((ahead as Failure).error.code, G.Behind);
      assert.ok(Date.now() - started >= PROPOSAL_TIMEOUT_MS - 50);
      assert.equal(behind.ok, true);
      const catchup = (behind as unknown as { catchup: { kind: string; events: { version: number }[] } }).catchup;
      assert.deepEqual(
        catchup.events.map((e) => e.version),
        Array.from({ length: fx.versions.G1 - 1 }, (_, k) => k + 2),
      );
      await socket.timeout(ACK_MS).emitWithAck('game:unwatch', { gameId: fx.games.G1 });
      return { ok: 0, doubt: 0 };
    });
  });

  afterAllTheJunk();
});
