/**
 * A chess entry in the Raft log: the command and the entry time the state machine reads its
 * clocks from. The leader stamps the time as it appends the entry (RaftNodeOptions.stamp), so
 * the time is the leader's, wherever the command was received.
 *   [version u8 = 1][entry time f64 LE, ms since the epoch][command JSON, UTF-8]
 */
const VERSION = 1;

/**
 * The newest version of the log this build reads (RaftNodeOptions.logVersion), and what each
 * version lets a leader write. A leader writes what the cluster's log version allows
 * (RaftNode.clusterLogVersion), which rises once every member reads more, so a replica never
 * meets a command its state machine would refuse for a field it does not know.
 *   1  the chess entry above; a move's `ply` is checked by the server and left out of the log.
 *   2  a move keeps its `ply` in the log: every replica refuses it as stale when applied on a
 *      later ply (see commandForLog).
 *   3  a move carries what the proposer found it to do (`found`, MoveFound): the replicas take
 *      it rather than find the move again with the rules engine.
 *   4  every command is marked `once` (CommandBase.once): its first answer is final, a refusal
 *      included, so a second copy of it in the log cannot succeed where the first was refused.
 */
export const LOG_VERSION = 4;
const HEAD = 9;

export function encodeEntry(command: object, at: number): Uint8Array {
  const json = Buffer.from(JSON.stringify(command), 'utf8');
  const out = Buffer.allocUnsafe(HEAD + json.length);
  out[0] = VERSION;
  out.writeDoubleLE(at, 1);
  json.copy(out, HEAD);
  return out;
}

/** The same entry with the time `at`; anything that is not a chess entry is left as it is. */
export function stampEntry(data: Uint8Array, at: number): Uint8Array {
  if (data.length < HEAD || data[0] !== VERSION) return data;
  const out = Buffer.from(data);
  out.writeDoubleLE(at, 1);
  return out;
}

/** The entry's time and command (undecoded JSON, validated by the state machine), or undefined for bytes no server wrote. */
export function decodeEntry(data: Uint8Array): { at: number; command: unknown } | undefined {
  if (data.length < HEAD || data[0] !== VERSION) return undefined;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  try {
    return { at: buf.readDoubleLE(1), command: JSON.parse(buf.subarray(HEAD).toString('utf8')) as unknown };
  } catch {
    return { at: buf.readDoubleLE(1), command: undefined };
  }
}
