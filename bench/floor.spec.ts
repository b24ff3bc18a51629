import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFloor, textFrameOf } from './floor';

describe('floor benchmark', () => {
  it('writes WebSocket text frames of the size asked for, their length in the fewest bytes', () => {
    const f = textFrameOf(205);
    assert.equal(f.length, 205);
    assert.deepEqual([f[0], f[1], f.readUInt16BE(2)], [0x81, 126, 201]);
    const small = textFrameOf(127);
    assert.deepEqual([small.length, small[0], small[1]], [127, 0x81, 125]);
    assert.deepEqual([...textFrameOf(130).subarray(0, 4)], [0x81, 126, 0, 126]);
    for (const bad of [2, 128, 129, 65_540]) assert.throws(() => textFrameOf(bad), new RegExp(`no WebSocket frame with a 2- or 4-byte header is ${bad} bytes long`));
  });

  it('times rounds of one frame to every socket, read by another process, and checks each had every byte', async () => {
    const progress: string[] = [];
    const r = await runFloor({ sockets: 40, rounds: 3, frameBytes: 205, pauseMs: 5, progress: (m) => progress.push(m) });
    assert.deepEqual([r.sockets, r.rounds, r.frameBytes], [40, 3, 205]);
    assert.ok(r.writerCpuMs.p50 > 0 && Number.isFinite(r.writerCpuMs.max), `writer CPU ${JSON.stringify(r.writerCpuMs)}`);
    assert.ok(r.lastMs.p50 > 0 && r.lastMs.max < 30_000, `last receipt ${JSON.stringify(r.lastMs)}`);
    assert.match(progress.join('\n'), /40 sockets open; 3 rounds of one 205-byte frame to each/);
  });
});
