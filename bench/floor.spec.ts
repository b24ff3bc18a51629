import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFloor, textFrameOf } from './floor';

describe('floor benchmark', () => {
  it('writes WebSocket text frames of the size asked for', () => {
    const f = textFrameOf(188);
    assert.equal(f.length, 188);
    assert.deepEqual([f[0], f[1], f.readUInt16BE(2)], [0x81, 126, 184]);
    const small = textFrameOf(100);
    assert.deepEqual([small.length, small[0], small[1]], [100, 0x81, 98]);
    assert.throws(() => textFrameOf(2), /a frame of 2 bytes/);
  });

  it('times rounds of one frame to every socket, read by another process, and checks each had every byte', async () => {
    const progress: string[] = [];
    const r = await runFloor({ sockets: 40, rounds: 3, frameBytes: 188, pauseMs: 5, progress: (m) => progress.push(m) });
    assert.deepEqual([r.sockets, r.rounds, r.frameBytes], [40, 3, 188]);
    assert.ok(r.writerCpuMs.p50 > 0 && Number.isFinite(r.writerCpuMs.max), `writer CPU ${JSON.stringify(r.writerCpuMs)}`);
    assert.ok(r.lastMs.p50 > 0 && r.lastMs.max < 30_000, `last receipt ${JSON.stringify(r.lastMs)}`);
    assert.match(progress.join('\n'), /40 sockets open; 3 rounds of one 188-byte frame to each/);
  });
});
