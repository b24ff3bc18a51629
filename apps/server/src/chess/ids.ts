import { createHmac } from 'node:crypto';
import type { Color } from '@rookery/chess-fsm';

/**
 * Ids and seat tokens derived from (session, request id) with the cluster secret: a retried
 * create or join — after a reconnect, on any node — proposes the very same command, so the
 * state machine's dedupe answers it with the first result and the client gets the same token.
 * Nobody without the secret can compute another session's token.
 */
export class Minter {
  constructor(private readonly secret: string) {}

  private mac(kind: string, session: string, requestId: string): Buffer {
    return createHmac('sha256', this.secret).update(`${kind}\0${session}\0${requestId}`).digest();
  }

  /** A seat token: 144 bits. */
  token(session: string, requestId: string): string {
    return this.mac('seat', session, requestId).subarray(0, 18).toString('base64url');
  }

  /** A game id: 72 bits. */
  gameId(session: string, requestId: string): string {
    return this.mac('game', session, requestId).subarray(0, 9).toString('base64url');
  }

  /** A "random" color choice, the same on a retry. */
  color(session: string, requestId: string): Color {
    return (this.mac('color', session, requestId)[0]! & 1) === 0 ? 'white' : 'black';
  }
}
