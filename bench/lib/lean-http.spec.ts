import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { until } from '@rookery/raft/testing';
import { LeanHttp, parseResponse } from './lean-http';
import { postJson } from './http';

/** The load generators' HTTP client against a real node:http server. */
describe('LeanHttp: kept-alive POSTs for the load generators', () => {
  let server: Server;
  let base: string;
  /** Connections the server accepted, and requests it has seen (with the connection's remote port). */
  let accepted = 0;
  const seen: { path: string; port: number; body: string; headers: IncomingMessage['headers'] }[] = [];
  /** Requests held unanswered (path /hold), to be answered or dropped by the test. */
  const held: ServerResponse[] = [];
  /** Remote ports of the connections the server saw close. */
  const closedPorts = new Set<number>();

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        seen.push({ path: req.url!, port: req.socket.remotePort!, body, headers: req.headers });
        if (req.url === '/echo') {
          const text = JSON.stringify({ ok: true, got: JSON.parse(body) as unknown, session: req.headers['x-rookery-session'] });
          res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-rookery-node': 'n7' }).end(text);
        } else if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"ok":true,');
          setTimeout(() => res.end('"parts":2,"text":"é♞"}'), 20);
        } else if (req.url === '/close') {
          res.writeHead(503, { connection: 'close', 'content-length': 2 }).end('{}');
        } else if (req.url === '/not-json') {
          res.writeHead(502, { 'content-length': 9 }).end('<html/>\r\n');
        } else if (req.url === '/hold') held.push(res);
        else res.writeHead(404, { 'content-length': 0 }).end();
      });
    });
    server.on('connection', (s: Socket) => {
      accepted++;
      const port = s.remotePort!;
      s.on('close', () => closedPorts.add(port));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));

  it('posts JSON with its headers and reads the answer, reusing one connection for requests one after another', async () => {
    const http = LeanHttp.for(base);
    const before = seen.length;
    for (let i = 0; i < 5; i++) {
      const r = await http.post('/echo', JSON.stringify({ n: i, text: 'é♞' }), { 'content-type': 'application/json', 'x-rookery-session': 'abcdefgh' }, 1000);
      assert.equal(r.kind, 'answer');
      if (r.kind !== 'answer') return;
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('x-rookery-node'), 'n7');
      assert.deepEqual(JSON.parse(r.body.toString('utf8')), { ok: true, got: { n: i, text: 'é♞' }, session: 'abcdefgh' });
    }
    const ports = new Set(seen.slice(before).map((s) => s.port));
    assert.equal(ports.size, 1, 'one kept-alive connection');
    assert.equal(http.connections, 1);
    assert.equal(seen.at(-1)!.headers['content-length'], String(Buffer.byteLength(JSON.stringify({ n: 4, text: 'é♞' }))));
    http.close();
  });

  it('opens no more than maxSockets connections; the requests beyond wait their turn', async () => {
    const http = LeanHttp.for(base, 2);
    const before = seen.length;
    const answers = await Promise.all(Array.from({ length: 7 }, (_, i) => http.post('/echo', JSON.stringify({ n: i }), {}, 2000)));
    assert.deepEqual(
      answers.map((r) => (r.kind === 'answer' ? (JSON.parse(r.body.toString()) as { got: { n: number } }).got.n : r.kind)),
      [0, 1, 2, 3, 4, 5, 6],
    );
    assert.equal(new Set(seen.slice(before).map((s) => s.port)).size, 2);
    http.close();
  });

  it('takes its idle connections in turn, the longest idle first, so none idles out while requests keep coming', async () => {
    const http = LeanHttp.for(base);
    const before = seen.length;
    // Three at once open three connections.
    await Promise.all([0, 1, 2].map((n) => http.post('/echo', JSON.stringify({ n }), {}, 1000)));
    assert.equal(http.connections, 3);
    const opened = seen.slice(before).map((s) => s.port);
    for (let n = 0; n < 6; n++) await http.post('/echo', JSON.stringify({ n }), {}, 1000);
    const ports = seen.slice(before + 3).map((s) => s.port);
    assert.equal(new Set(ports).size, 3, `one after another, the requests went on ${ports.join(', ')}`);
    assert.deepEqual(ports.slice(3), ports.slice(0, 3), 'the same three in the same order again');
    assert.deepEqual(new Set(ports), new Set(opened));
    assert.equal(http.connections, 3);
    http.close();
  });

  it('reads an answer that closes its connection (the next request opens another), and a chunked one (its connection kept)', async () => {
    const http = LeanHttp.for(base);
    const closing = await http.post('/close', '{}', {}, 1000);
    assert.deepEqual(closing.kind === 'answer' && [closing.status, closing.body.toString()], [503, '{}']);
    const acceptedBefore = accepted;
    const chunked = await http.post('/chunked', '{}', {}, 1000);
    assert.equal(chunked.kind === 'answer' && chunked.body.toString('utf8'), '{"ok":true,"parts":2,"text":"é♞"}');
    assert.equal(accepted, acceptedBefore + 1, 'a new connection after the closed one');
    const next = await http.post('/echo', '{"n":1}', {}, 1000);
    assert.equal(next.kind === 'answer' && next.status, 201);
    assert.equal(accepted, acceptedBefore + 1, "the chunked answer's connection was reused");
    http.close();
  });

  it('gives up on a silent server after the timeout and closes that connection', async () => {
    const http = LeanHttp.for(base);
    held.splice(0);
    const r = await http.post('/hold', '{}', {}, 100);
    assert.deepEqual(r, { kind: 'timeout', message: 'no answer within 100 ms' });
    const port = seen.at(-1)!.port;
    assert.equal(seen.at(-1)!.path, '/hold');
    await until(() => closedPorts.has(port) && http.connections === 0, 1000, 'the connection closed on both sides');
    assert.ok(closedPorts.has(port), 'the server saw the connection close');
    assert.equal(http.connections, 0);
    held.splice(0);
  });

  it('reports a dropped connection and a refused one as unreachable', async () => {
    const http = LeanHttp.for(base);
    held.splice(0);
    const pending = http.post('/hold', '{}', {}, 5000);
    await until(() => held.length > 0, 1000, 'the held request');
    held.shift()!.socket!.destroy();
    const dropped = await pending;
    assert.equal(dropped.kind, 'unreachable', JSON.stringify(dropped));
    // Closed politely (a FIN, no answer) rather than reset.
    const pending2 = http.post('/hold', '{}', {}, 5000);
    await until(() => held.length > 0, 1000, 'the held request');
    held.shift()!.socket!.end();
    assert.deepEqual(await pending2, { kind: 'unreachable', message: 'the connection closed before the whole answer' });
    const nobody = createServer();
    await new Promise<void>((resolve) => nobody.listen(0, '127.0.0.1', resolve));
    const port = (nobody.address() as AddressInfo).port;
    await new Promise<void>((resolve) => nobody.close(() => resolve()));
    const refused = await LeanHttp.for(`http://127.0.0.1:${port}`).post('/echo', '{}', {}, 1000);
    assert.equal(refused.kind, 'unreachable');
    assert.match(refused.kind === 'unreachable' ? refused.message : '', /ECONNREFUSED/);
  });

  it('postJson parses the answer and names the node; a body that is not JSON becomes ERR_NOT_JSON', async () => {
    assert.deepEqual(await postJson(base, '/echo', { a: 1 }, { 'x-rookery-session': 's1234567' }, 1000), { kind: 'answer', status: 201, body: { ok: true, got: { a: 1 }, session: 's1234567' }, node: 'n7' });
    assert.deepEqual(await postJson(base, '/not-json', {}, {}, 1000), { kind: 'answer', status: 502, body: { ok: false, error: { code: 'ERR_NOT_JSON', message: '<html/>\r\n' } } });
  });

  it('parses answers cut anywhere: undefined until whole', () => {
    const whole = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello');
    for (let cut = 0; cut < whole.length; cut++) assert.equal(parseResponse(whole.subarray(0, cut)), undefined, `cut at ${cut}`);
    const r = parseResponse(whole);
    assert.ok(r !== undefined && !('problem' in r));
    assert.deepEqual([r.reply.status, r.reply.body.toString(), r.reply.headers.get('x-a'), r.untilClose], [200, 'hello', 'b', false]);
    const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    for (let cut = 0; cut < chunked.length; cut++) assert.equal(parseResponse(chunked.subarray(0, cut)), undefined, `chunked, cut at ${cut}`);
    const c = parseResponse(chunked);
    assert.equal(c !== undefined && !('problem' in c) && c.reply.body.toString(), 'abcde');
    assert.deepEqual(parseResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), { problem: 'not an HTTP answer: SSH-2.0-OpenSSH' });
  });
});
