import { Inject, Injectable } from '@nestjs/common';
import type { Command, CommandResult } from '@rookery/chess-fsm';
import { ChessErrorCode, GatewayErrorCode } from '@rookery/protocol';
import { RaftRequestError, type RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { encodeEntry } from './entry';
import { Metrics } from '../ops/metrics';
import { ChessReplica } from './replica';

/** Refusals a replica that is behind might give, where an up-to-date one would not. */
const MAYBE_STALE = new Set<string>([
  ChessErrorCode.UnknownGame,
  ChessErrorCode.NotSeated,
  ChessErrorCode.NotStarted,
  ChessErrorCode.NotYourTurn,
  ChessErrorCode.IllegalMove,
  ChessErrorCode.NoDrawOffer,
  ChessErrorCode.DrawAlreadyOffered,
  ChessErrorCode.CannotClaim,
]);

export type Outcome = CommandResult | { ok: false; error: { code: GatewayErrorCode; message: string } };

/**
 * Turns a client's wish into a committed command: checks it against this replica first (so
 * bad commands never reach the log), proposes it (a follower's proposal is forwarded to the
 * leader, which stamps the entry time), and answers with the state machine's result once the
 * entry is applied here — or with a timeout / unavailable error, never silence.
 */
@Injectable()
export class GamesService {
  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(ChessReplica) private readonly replica: ChessReplica,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async execute(command: Command): Promise<Outcome> {
    const out = await this.run(command);
    this.metrics.commands.inc({ type: command.type, code: out.ok ? 'ok' : out.error.code });
    return out;
  }

  private async run(command: Command): Promise<Outcome> {
    let refused = this.replica.machine.precheck(command);
    if (refused !== undefined && !refused.ok && MAYBE_STALE.has(refused.error.code)) {
      // This replica may not have applied what the client already saw elsewhere (the game just
      // created, the opponent's move): a ReadIndex round brings it up to the leader's commit
      // index, and the check is made again before refusing.
      try {
        await this.node.readIndex();
        refused = this.replica.machine.precheck(command);
      } catch {
        // No leader to ask: the first answer stands.
      }
    }
    if (refused !== undefined) return refused;
    const end = this.metrics.commitLatency.startTimer({ type: command.type });
    try {
      const r = (await this.node.propose(encodeEntry(command, Date.now()))) as CommandResult;
      end();
      return r;
    } catch (e) {
      if (!(e instanceof RaftRequestError)) throw e;
      if (e.code === 'ERR_TIMEOUT') return unavailable(GatewayErrorCode.Timeout, `${e.message}; retry with the same request id`);
      if (e.code === 'ERR_SHUTTING_DOWN') return unavailable(GatewayErrorCode.Draining, e.message);
      return unavailable(GatewayErrorCode.Unavailable, `${e.code}: ${e.message}; retry with the same request id`);
    }
  }
}

function unavailable(code: GatewayErrorCode, message: string): Outcome {
  return { ok: false, error: { code, message } };
}
