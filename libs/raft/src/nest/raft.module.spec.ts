import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RaftNode, RaftRequestError, type StateMachine } from '../node/raft-node';
import { RAFT_NODE, RaftModule } from './raft.module';

class Counter implements StateMachine<number> {
  n = 0;
  apply(): number {
    return ++this.n;
  }
  snapshot(): Uint8Array {
    return Buffer.from(String(this.n));
  }
  restore(data: Uint8Array): void {
    this.n = Number(Buffer.from(data).toString());
  }
}

describe('RaftModule', () => {
  it('starts the node with the application and stops it on shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rookery-nest-'));
    const counter = new Counter();
    @Module({
      imports: [
        RaftModule.forRootAsync({
          useFactory: () => ({
            id: 'n1',
            dataDir: dir,
            listen: { host: '127.0.0.1', port: 0 },
            secret: 'nest-test',
            peers: new Map([['n1', { host: '127.0.0.1', port: 0 }]]),
            stateMachine: counter,
            tickMs: 10,
          }),
        }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      app.enableShutdownHooks();
      const node = app.get<RaftNode>(RAFT_NODE);
      assert.ok(node instanceof RaftNode);
      const deadline = Date.now() + 5000;
      while (node.status().role !== 'leader' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(node.status().role, 'leader', 'a single-member cluster elects itself once the app has booted');
      assert.equal(await node.propose(Buffer.from('inc')), 1);
      assert.equal(await node.propose(Buffer.from('inc')), 2);
      await app.close();
      await assert.rejects(node.propose(Buffer.from('inc')), (e: unknown) => e instanceof RaftRequestError && e.code === 'ERR_SHUTTING_DOWN');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
