/**
 * A normal entry's payload as the node writes it: the proposal id (so the proposer, and only
 * it, can settle its promise when the entry is applied — wherever it was appended) and the
 * application's command.
 *   [version u8 = 1][id length u8][id UTF-8][command]
 */
const VERSION = 1;

export function encodeEnvelope(id: string, command: Uint8Array): Uint8Array {
  const idBytes = Buffer.from(id, 'utf8');
  if (idBytes.length > 255) throw new RangeError(`proposal id '${id}' is longer than 255 bytes`);
  const out = new Uint8Array(2 + idBytes.length + command.length);
  out[0] = VERSION;
  out[1] = idBytes.length;
  out.set(idBytes, 2);
  out.set(command, 2 + idBytes.length);
  return out;
}

export function decodeEnvelope(data: Uint8Array): { id: string; command: Uint8Array } {
  if (data[0] !== VERSION || data.length < 2 || data.length < 2 + data[1]!) {
    // Not written by this node runtime: hand the bytes over whole, with no proposer to answer.
    return { id: '', command: data };
  }
  const len = data[1]!;
  return { id: Buffer.from(data.subarray(2, 2 + len)).toString('utf8'), command: data.subarray(2 + len) };
}
