import { GatewayErrorCode } from '@rookery/protocol';

/** The commands a player sends for a seat. */
export type SeatEvent = 'game:move' | 'game:resign' | 'game:offerDraw' | 'game:acceptDraw' | 'game:declineDraw' | 'game:claimDraw' | 'game:abort';

export interface PendingCommand {
  requestId: string;
  event: SeatEvent;
  gameId: string;
  /** For a move: what was typed or clicked (UCI or SAN). */
  move?: string;
  /** The number of moves the game had when the command was made: a pending move is drawn on that position only. */
  basePly: number;
  attempts: number;
}

/** Codes the client adds for failures that happen on its side of the wire. */
export const ClientErrorCode = {
  /** No answer within the time allowed: the command may or may not have been applied. */
  NoAnswer: 'ERR_NO_ANSWER',
  /** Not connected when the command was to be sent. */
  Offline: 'ERR_OFFLINE',
} as const;

/**
 * Refusals after which the same command, with the same request id, is sent again: the cluster
 * did not (or may not) have carried it out, and the state machine answers a retry it already
 * applied with its first result, so a retry can never apply a move twice.
 */
const RETRY: ReadonlySet<string> = new Set([
  GatewayErrorCode.Timeout,
  GatewayErrorCode.Unavailable,
  GatewayErrorCode.Draining,
  GatewayErrorCode.Behind,
  GatewayErrorCode.RateLimited,
  ClientErrorCode.NoAnswer,
  ClientErrorCode.Offline,
]);

export function isRetryable(code: string): boolean {
  return RETRY.has(code);
}

/**
 * Commands sent and not yet answered, in the order they were made. Each keeps its request id
 * until the server answers it (ok, or a refusal that retrying cannot change): a reconnect, a
 * leader change or a node that went away only means it is sent again.
 */
export class Outbox {
  private readonly items: PendingCommand[] = [];

  add(cmd: Omit<PendingCommand, 'attempts'>): PendingCommand {
    const p = { ...cmd, attempts: 0 };
    this.items.push(p);
    return p;
  }

  /** Everything still waiting for an answer, oldest first. */
  pending(gameId?: string): readonly PendingCommand[] {
    return gameId === undefined ? [...this.items] : this.items.filter((p) => p.gameId === gameId);
  }

  has(requestId: string): boolean {
    return this.items.some((p) => p.requestId === requestId);
  }

  /** The command was answered for good: forget it. */
  settle(requestId: string): PendingCommand | undefined {
    const i = this.items.findIndex((p) => p.requestId === requestId);
    return i < 0 ? undefined : this.items.splice(i, 1)[0];
  }

  /** Counts one more send of the command. */
  sent(requestId: string): void {
    const p = this.items.find((x) => x.requestId === requestId);
    if (p !== undefined) p.attempts++;
  }

  /** The move waiting to be shown on the board: the newest pending move made on the position of `ply` moves. */
  pendingMove(gameId: string, ply: number): PendingCommand | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const p = this.items[i]!;
      if (p.gameId === gameId && p.event === 'game:move' && p.basePly === ply) return p;
    }
    return undefined;
  }
}
