/**
 * Engine.IO v4 / Socket.IO v5 framing, by hand, for clients that have only a raw websocket
 * (k6). Pure: strings in, values out; no socket, timer or clock. One websocket frame carries
 * one Engine.IO packet (the record separator `\x1e` only batches packets over long-polling).
 *
 *   Engine.IO packet:  <type digit><data>       0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop
 *   Socket.IO packet (inside a message `4`):  <type digit>[<nsp>,][<ack id>][<JSON>]
 *                      0 connect, 1 disconnect, 2 event, 3 ack, 4 connect error, 5/6 binary (not spoken here)
 *
 * So `42["game:event",{…}]` is an event, `421["game:move",{…}]` an event asking for ack 1, and
 * `431[{…}]` the answer to it.
 */

/** The websocket URL path and query of an Engine.IO v4 connection with no long-polling first. */
export const SOCKET_IO_PATH = '/socket.io/?EIO=4&transport=websocket';

/** The server's first frame: the session id and heartbeat it expects. */
export interface OpenPacket {
  kind: 'open';
  sid: string;
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

export type Frame =
  | OpenPacket
  | { kind: 'close' }
  | { kind: 'ping'; data: string }
  | { kind: 'pong'; data: string }
  | { kind: 'noop' }
  | { kind: 'upgrade' }
  /** The server's answer to a connect carries `{ sid }`; a client's connect carries its auth. */
  | { kind: 'connect'; nsp: string; data: unknown }
  | { kind: 'connect_error'; nsp: string; message: string; data: unknown }
  | { kind: 'disconnect'; nsp: string }
  | { kind: 'event'; nsp: string; name: string; args: unknown[]; ackId: number | undefined }
  | { kind: 'ack'; nsp: string; ackId: number; args: unknown[] }
  /** Not a frame this module speaks: what was wrong with it. */
  | { kind: 'invalid'; reason: string };

const ENGINE = { open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6' } as const;
const SOCKET = { connect: '0', disconnect: '1', event: '2', ack: '3', connectError: '4' } as const;

/** The answer to a server's ping `2` (with the ping's data echoed, as Engine.IO does for probes). */
export function encodePong(data = ''): string {
  return ENGINE.pong + data;
}

/** Joins a namespace (`/` unless given), presenting `auth` (Rookery's `Handshake`: `{ session, seats }`). */
export function encodeConnect(auth?: object, nsp = '/'): string {
  return ENGINE.message + SOCKET.connect + nspPrefix(nsp) + (auth === undefined ? '' : JSON.stringify(auth));
}

export function encodeDisconnect(nsp = '/'): string {
  return ENGINE.message + SOCKET.disconnect + nspPrefix(nsp);
}

/** An event; with `ackId` the receiver answers with an ack of that id. */
export function encodeEvent(name: string, args: readonly unknown[], ackId?: number, nsp = '/'): string {
  if (ackId !== undefined && !(Number.isInteger(ackId) && ackId >= 0)) throw new RangeError(`a Socket.IO ack id is a whole number, not ${ackId}`);
  return ENGINE.message + SOCKET.event + nspPrefix(nsp) + (ackId ?? '') + JSON.stringify([name, ...args]);
}

/** The answer to an event that asked for ack `ackId`. */
export function encodeAck(ackId: number, args: readonly unknown[], nsp = '/'): string {
  return ENGINE.message + SOCKET.ack + nspPrefix(nsp) + ackId + JSON.stringify(args);
}

/** Reads one websocket text frame. Never throws: a frame it cannot read is `invalid`, with why. */
export function decodeFrame(text: string): Frame {
  const type = text.charAt(0);
  const rest = text.slice(1);
  switch (type) {
    case ENGINE.open:
      return decodeOpen(rest);
    case ENGINE.close:
      return { kind: 'close' };
    case ENGINE.ping:
      return { kind: 'ping', data: rest };
    case ENGINE.pong:
      return { kind: 'pong', data: rest };
    case ENGINE.upgrade:
      return { kind: 'upgrade' };
    case ENGINE.noop:
      return { kind: 'noop' };
    case ENGINE.message:
      return decodeSocketPacket(rest);
    default:
      return invalid(`not an Engine.IO packet type: ${JSON.stringify(text.slice(0, 20))}`);
  }
}

function decodeOpen(json: string): Frame {
  const o = parseJson(json);
  if (!isObject(o) || typeof o['sid'] !== 'string' || typeof o['pingInterval'] !== 'number' || typeof o['pingTimeout'] !== 'number') {
    return invalid(`an open packet needs sid, pingInterval and pingTimeout: ${json.slice(0, 80)}`);
  }
  return { kind: 'open', sid: o['sid'], pingInterval: o['pingInterval'], pingTimeout: o['pingTimeout'], maxPayload: typeof o['maxPayload'] === 'number' ? o['maxPayload'] : Infinity };
}

function decodeSocketPacket(s: string): Frame {
  const type = s.charAt(0);
  let i = 1;
  let nsp = '/';
  // A namespace other than the main one is written `/name,` before the rest.
  if (s.charAt(i) === '/') {
    const comma = s.indexOf(',', i);
    if (comma < 0) return invalid(`a namespace without its comma: ${s.slice(0, 40)}`);
    nsp = s.slice(i, comma);
    i = comma + 1;
  }
  let digits = '';
  while (i < s.length && s.charAt(i) >= '0' && s.charAt(i) <= '9') digits += s.charAt(i++);
  const ackId = digits === '' ? undefined : Number(digits);
  const body = s.slice(i);
  const data = body === '' ? undefined : parseJson(body);
  if (data === BAD_JSON) return invalid(`a Socket.IO packet whose data is not JSON: ${s.slice(0, 80)}`);
  switch (type) {
    case SOCKET.connect:
      return { kind: 'connect', nsp, data };
    case SOCKET.disconnect:
      return { kind: 'disconnect', nsp };
    case SOCKET.connectError: {
      // Socket.IO v5 sends `{ message, data? }`; v4 and older sent a bare string.
      const message = isObject(data) && typeof data['message'] === 'string' ? data['message'] : typeof data === 'string' ? data : '';
      return { kind: 'connect_error', nsp, message, data: isObject(data) ? data['data'] : undefined };
    }
    case SOCKET.event: {
      if (!Array.isArray(data) || typeof data[0] !== 'string') return invalid(`an event needs a ["name", ...args] array: ${s.slice(0, 80)}`);
      return { kind: 'event', nsp, name: data[0], args: data.slice(1), ackId };
    }
    case SOCKET.ack: {
      if (ackId === undefined) return invalid(`an ack without its id: ${s.slice(0, 80)}`);
      if (!Array.isArray(data)) return invalid(`an ack needs an array of arguments: ${s.slice(0, 80)}`);
      return { kind: 'ack', nsp, ackId, args: data };
    }
    default:
      return invalid(`not a Socket.IO packet this client speaks (binary or unknown): ${JSON.stringify(s.slice(0, 20))}`);
  }
}

function nspPrefix(nsp: string): string {
  return nsp === '/' ? '' : `${nsp},`;
}

const BAD_JSON = Symbol('bad JSON');
function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return BAD_JSON;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(reason: string): Frame {
  return { kind: 'invalid', reason };
}
