import { Inject, Injectable } from '@nestjs/common';
import type { Color, Command, CommandResult, MoveFound } from '@rookery/chess-fsm';
import { ChessErrorCode, GatewayErrorCode, type CreatePayload, type JoinPayload } from '@rookery/protocol';
import { RaftRequestError, type RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { CONFIG, MINTER } from '../tokens';
import type { ServerConfig } from '../config';
import { encodeEntry } from './entry';
import type { Minter } from './ids';
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

export interface Seated {
  outcome: Outcome;
  gameId: string;
  token: string;
}

type Refused = Extract<Outcome, { ok: false }>;

/** The answer to a create or join: the seat's token goes to its holder only. */
export function seatAck({ outcome, gameId, token }: Seated): Refused | { ok: true; gameId: string; color: Color | undefined; token: string; version: number | undefined; duplicate?: true } {
  if (!outcome.ok) return outcome;
  return { ok: true, gameId, color: outcome.color, token, version: outcome.version, ...(outcome.duplicate ? { duplicate: true as const } : {}) };
}

/** The answer to a seat's command; `flagged`: the side to move had run out of time, so the game ended on time instead. */
export function commandAck(gameId: string, outcome: Outcome): Refused | { ok: true; gameId: string; version: number | undefined; duplicate?: true; flagged?: true } {
  if (!outcome.ok) return outcome;
  const ack: { ok: true; gameId: string; version: number | undefined; duplicate?: true; flagged?: true } = { ok: true, gameId, version: outcome.version };
  if (outcome.duplicate) ack.duplicate = true;
  if (outcome.flagged) ack.flagged = true;
  return ack;
}

export type Outcome = CommandResult | { ok: false; error: { code: GatewayErrorCode; message: string } };

/**
 * Turns a client's wish into a committed command: checks it against this replica first (so
 * bad commands never reach the log), proposes it (a follower's proposal is forwarded to the
 * leader, which stamps the entry time), and answers with the state machine's result once the
 * entry is applied here — or with a timeout / unavailable error, never silence.
 */
@Injectable()
export class GamesService {
  private busy = 0;

  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(ChessReplica) private readonly replica: ChessReplica,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(MINTER) private readonly minter: Minter,
    @Inject(CONFIG) private readonly config: ServerConfig,
  ) {}

  /** A seat-taking command: its outcome, and the game and token it minted (the same on a retry, on any node). */
  async create(session: string, p: CreatePayload): Promise<Seated> {
    const gameId = this.minter.gameId(session, p.requestId);
    const token = this.minter.token(session, p.requestId);
    const color = p.color === 'random' ? this.minter.color(session, p.requestId) : p.color;
    const outcome = await this.execute({ type: 'create', requestId: p.requestId, session, gameId, token, color, timeControl: p.timeControl, ...(p.name !== undefined ? { name: p.name } : {}) });
    return { outcome, gameId, token };
  }

  async join(session: string, p: JoinPayload): Promise<Seated> {
    const token = this.minter.token(session, p.requestId);
    const outcome = await this.execute({ type: 'join', requestId: p.requestId, session, gameId: p.gameId, token, ...(p.color !== undefined ? { color: p.color } : {}), ...(p.name !== undefined ? { name: p.name } : {}) });
    return { outcome, gameId: p.gameId, token };
  }

  /** Commands this node has taken and not yet answered. */
  get inFlight(): number {
    return this.busy;
  }

  /** Resolves when no command is in flight, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.busy > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  async execute(command: Command): Promise<Outcome> {
    this.busy++;
    try {
      const out = await this.run(command);
      this.metrics.commands.inc({ type: command.type, code: out.ok ? 'ok' : out.error.code });
      return out;
    } finally {
      this.busy--;
    }
  }

  /**
   * Whether this replica's refusal may only mean that it is behind: one of MAYBE_STALE, or a
   * move refused as stale because the client saw more plies than this replica has played (a
   * lower ply is stale for certain).
   */
  private mayBeBehind(command: Command, code: string): boolean {
    if (MAYBE_STALE.has(code)) return true;
    if (code !== ChessErrorCode.StaleMove || command.type !== 'move' || command.ply === undefined) return false;
    const plies = this.replica.machine.plies(command.gameId);
    return plies !== undefined && command.ply > plies;
  }

  /** A ReadIndex round; one orphaned by a leader change is asked again of the next leader, within the proposal timeout. */
  private async readIndex(): Promise<void> {
    try {
      await this.node.readIndex();
    } catch (e) {
      if (!(e instanceof RaftRequestError) || e.code !== 'ERR_LEADER_CHANGED' || !(await this.node.whenLeaderKnown(this.config.proposalTimeoutMs))) throw e;
      await this.node.readIndex();
    }
  }

  private async run(command: Command): Promise<Outcome> {
    let refused = this.replica.machine.precheck(command);
    if (refused !== undefined && !refused.ok && this.mayBeBehind(command, refused.error.code)) {
      const code = refused.error.code;
      // This replica may not have applied what the client already saw elsewhere (the game just
      // created, the opponent's move): a ReadIndex round brings it up to the leader's commit
      // index, and the check is made again before refusing.
      try {
        await this.readIndex();
        refused = this.replica.machine.precheck(command);
      } catch (e) {
        // No leader to ask: this replica may be the one behind, so its refusal is no answer.
        const why = e instanceof RaftRequestError ? `${e.code}: ${e.message}` : String(e);
        return unavailable(GatewayErrorCode.Unavailable, `this node would refuse it (${code}) but may be behind, and could not reach a leader to check (${why}); retry with the same request id`);
      }
    }
    if (refused !== undefined) return refused;
    const end = this.metrics.commitLatency.startTimer({ type: command.type });
    try {
      const version = this.node.clusterLogVersion;
      // What precheck just found the move to do goes with it from log version 3 (MoveFound).
      const found = version >= 3 ? this.replica.machine.found(command) : undefined;
      const r = (await this.node.propose(encodeEntry(commandForLog(command, version, found), Date.now()))) as CommandResult;
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

/**
 * The command as it goes into the log, for a cluster whose log is at `logVersion` (see
 * LOG_VERSION). A move's `ply` is checked here, against this replica, before proposing; from
 * version 2 it also goes into the log, and every replica refuses the move as stale if the game
 * has gone on by the time it is applied. Below 2 it is left out: a state machine of a version
 * before it refuses a command with a field it does not know, so in a cluster being upgraded one
 * node at a time the replicas would part ways over it. Checked here alone it still closes what
 * it is for — a retry later than the dedupe table remembers, found stale by a replica that has
 * long applied the first attempt — but not a retry racing its first attempt to two nodes.
 *
 * From version 3 a move also carries `found`, what precheck found it to do on this replica
 * (MoveFound): the replicas applying it while the game is still where it was found skip the
 * rules engine's search and tests.
 *
 * From version 4 every command is marked `once`: the replicas keep its first answer, a refusal
 * included, so a second copy of it (a proposal sent again after a leader change) is answered
 * as the first was and never applied to a game that has moved on since.
 */
export function commandForLog(command: Command, logVersion: number, found?: MoveFound): Command {
  // One copy at most, on every proposal's path: the marks go onto it together.
  const once = logVersion >= 4;
  if (command.type === 'move') {
    if (found !== undefined && logVersion >= 3) return once ? { ...command, once, found } : { ...command, found };
    if (command.ply !== undefined && logVersion < 2) {
      const { ply: _checked, ...rest } = command;
      return rest;
    }
  }
  return once ? { ...command, once } : command;
}

function unavailable(code: GatewayErrorCode, message: string): Outcome {
  return { ok: false, error: { code, message } };
}
