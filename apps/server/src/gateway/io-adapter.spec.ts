import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ack, ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, WsException } from '@nestjs/websockets';
import { defer, of, throwError, type Observable } from 'rxjs';
import type { Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { RookeryIoAdapter } from './io-adapter';

/**
 * RookeryIoAdapter's binding of a gateway's handlers, in a real Nest application with a real
 * socket.io-client: what a handler returns reaches the client as Nest's own binding sends it —
 * a value answers the ack, an { event, data } is emitted instead, a handler that acks by hand is
 * not answered for, nothing is sent for an empty result, and exceptions go through Nest's filter.
 */

@WebSocketGateway()
class ProbeGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() p: unknown): unknown {
    return { echo: p };
  }

  @SubscribeMessage('later')
  async later(@MessageBody() p: unknown): Promise<unknown> {
    await new Promise((r) => setTimeout(r, 5));
    return { later: p };
  }

  @SubscribeMessage('stream')
  stream(@MessageBody() p: unknown): Observable<unknown> {
    return defer(() => of({ streamed: p }));
  }

  @SubscribeMessage('evented')
  evented(@MessageBody() p: unknown): unknown {
    return { event: 'pong', data: { pong: p } };
  }

  /** Acks by hand after it has returned: a returned value must not answer the ack first. */
  @SubscribeMessage('manual')
  manual(@MessageBody() p: unknown, @Ack() ack: (res: unknown) => void): unknown {
    setTimeout(() => ack({ byHand: p }), 20);
    return { returned: p };
  }

  @SubscribeMessage('silent')
  silent(): undefined {
    return undefined;
  }

  @SubscribeMessage('refuses')
  refuses(): unknown {
    throw new WsException({ code: 'PROBE_REFUSED', message: 'probe refused' });
  }

  @SubscribeMessage('fails')
  fails(): Observable<unknown> {
    return throwError(() => new Error('probe stream failed'));
  }

  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() s: Socket): unknown {
    return { id: s.id, listeners: s.listenerCount('whoami') };
  }
}

@Module({ providers: [ProbeGateway] })
class ProbeModule {}

const QUIET_MS = 300;

describe('RookeryIoAdapter.bindMessageHandlers', () => {
  let app: INestApplication;
  let url: string;
  const clients: ClientSocket[] = [];

  async function client(): Promise<ClientSocket> {
    const c = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(c);
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('connect_error', reject);
    });
    return c;
  }

  /** Resolves with the ack's answer, or with 'no answer' if none comes within QUIET_MS. */
  async function answer(c: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> {
    try {
      return await c.timeout(QUIET_MS).emitWithAck(event, ...args);
    } catch {
      return 'no answer';
    }
  }

  before(async () => {
    app = await NestFactory.create(ProbeModule, { logger: false });
    app.useWebSocketAdapter(new RookeryIoAdapter(app, { clientNodes: [], fanoutThreads: 0 }));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await app.close();
  });

  it('answers the ack with what the handler returns, whether a value, a promise or an observable', async () => {
    const c = await client();
    assert.deepEqual(await answer(c, 'echo', { n: 1 }), { echo: { n: 1 } });
    assert.deepEqual(await answer(c, 'later', 'x'), { later: 'x' });
    assert.deepEqual(await answer(c, 'stream', 7), { streamed: 7 });
  });

  it('hands several arguments to the handler as one array, as Nest does', async () => {
    const c = await client();
    assert.deepEqual(await answer(c, 'echo', 'a', 'b'), { echo: ['a', 'b'] });
  });

  it('emits an { event, data } result to the client instead of answering the ack', async () => {
    const c = await client();
    const pong = new Promise<unknown>((r) => c.once('pong', r));
    assert.equal(await answer(c, 'evented', 3), 'no answer');
    assert.deepEqual(await pong, { pong: 3 });
  });

  it('leaves the ack to a handler that takes it (@Ack)', async () => {
    const c = await client();
    assert.deepEqual(await answer(c, 'manual', 'm'), { byHand: 'm' });
  });

  it('sends nothing for an empty result', async () => {
    const c = await client();
    assert.equal(await answer(c, 'silent'), 'no answer');
  });

  it("passes a handler's exception through Nest's filter to the client, and keeps serving it", async () => {
    const c = await client();
    const exception = new Promise<unknown>((r) => c.once('exception', r));
    c.emit('refuses', {});
    assert.deepEqual(await exception, { code: 'PROBE_REFUSED', message: 'probe refused' });
    assert.deepEqual(await answer(c, 'echo', 'still here'), { echo: 'still here' });
  });

  it("reports a handler's failing result stream as Nest does, and keeps serving the connection", async () => {
    const c = await client();
    const exception = new Promise<unknown>((r) => c.once('exception', r));
    assert.equal(await answer(c, 'fails'), 'no answer');
    assert.deepEqual(await exception, { status: 'error', message: 'Internal server error', cause: { pattern: 'fails' } });
    assert.deepEqual(await answer(c, 'echo', 'after'), { echo: 'after' });
  });

  it('binds one listener per handler to each connection, and only to it', async () => {
    const [a, b] = [await client(), await client()];
    const [wa, wb] = [(await answer(a, 'whoami')) as { id: string; listeners: number }, (await answer(b, 'whoami')) as { id: string; listeners: number }];
    assert.equal(wa.id, a.id);
    assert.equal(wb.id, b.id);
    assert.equal(wa.listeners, 1);
    assert.equal(wb.listeners, 1);
  });
});
