// What both ends of a peer connection share below the messages: frames on the socket
// ([length u32][payload]) and how they are read, and the handshake's JSON frames and constants.
import type { Socket } from 'node:net';

export const PROTOCOL = 'rookery-raft/1';
/** Frames before a peer has proved itself are handshakes: small. */
export const HANDSHAKE_FRAME_BYTES = 4096;
/** Said in the challenge by a node that reads application messages (older nodes would refuse the connection). */
export const APP_MESSAGES = 1;

/**
 * Calls `onFrame` with each [length u32][payload] frame's payload; false from it stops reading.
 * `maxFrame()` is asked per frame, so a connection can accept small frames only until it is
 * authenticated.
 */
export function readFrames(socket: Socket, maxFrame: () => number, onFrame: (payload: Buffer) => boolean, onError: (why: string) => void): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let stopped = false;
  socket.on('data', (chunk: Buffer) => {
    if (stopped) return;
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= 4) {
      if (chunks.length > 1) chunks = [Buffer.concat(chunks, buffered)];
      const buf = chunks[0]!;
      const len = buf.readUInt32LE(0);
      if (len > maxFrame()) {
        stopped = true;
        onError(`frame of ${len} bytes exceeds ${maxFrame()}`);
        return;
      }
      if (buffered < 4 + len) return;
      const payload = buf.subarray(4, 4 + len);
      const rest = buf.subarray(4 + len);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      if (!onFrame(payload)) {
        stopped = true;
        return;
      }
    }
  });
}

/** A handshake frame: [length u32][JSON]. */
export function jsonFrame(v: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(v));
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export function parseJson(b: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
