import { Chess } from 'chess.js';
import { ChessMachine, DEFAULT_OPTIONS, type Command } from '../src/index';
import { seeded } from '../src/machine.spec-fixtures';

/**
 * bench:fsm — the chess state machine against bare chess.js, side by side in one run.
 *
 * 1. Random legal games of up to 120 plies (a seeded generator: every run plays the same games) are applied
 *    move by move, round-robin across games as a server would see them, through the machine
 *    (validation, seat check, clocks, repetition, events, versions, dedupe) and through bare
 *    chess.js (`move()` plus `isGameOver()`, one `Chess` per game). Rounds alternate between the
 *    two and the medians are compared.
 * 2. A snapshot of 10,000 live games 40 plies in is restored; also timed: restoring and then
 *    making one more move in every game (the boards are built lazily, on a game's next move).
 *
 * Last line: `bench:fsm: N moves/s, R x chess.js, restore 10000 games in T s`.
 *   --games 300 --plies 120 --rounds 5 --restore-games 10000
 */
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const GAMES = opt('games', 300);
const PLIES = opt('plies', 120);
const ROUNDS = opt('rounds', 5);
const RESTORE_GAMES = opt('restore-games', 10_000);

/** A random legal game, as UCI moves, up to `maxPlies` or its end. */
function randomGame(rand: (n: number) => number, maxPlies: number): string[] {
  const chess = new Chess();
  const moves: string[] = [];
  while (moves.length < maxPlies && !chess.isGameOver()) {
    // SAN strings, not verbose moves: chess.js builds every verbose move with a full move generation.
    const legal = chess.moves();
    moves.push(chess.move(legal[rand(legal.length)]!).lan);
  }
  return moves;
}

const token = (g: number, c: string): string => `tok-${c}-${String(g).padStart(12, '0')}`;

function newMachineWithGames(n: number, offset = 0): { machine: ChessMachine; at: number } {
  const machine = new ChessMachine({ ...DEFAULT_OPTIONS, maxGames: 1_000_000 });
  let at = 1_700_000_000_000;
  for (let g = 0; g < n; g++) {
    const gameId = `g${g + offset}`;
    machine.apply({ type: 'create', requestId: `c${g}`, session: `w${g}`, gameId, token: token(g + offset, 'w'), color: 'white', timeControl: { initialMs: 600_000, incrementMs: 5000 } }, ++at);
    machine.apply({ type: 'join', requestId: `j${g}`, session: `b${g}`, gameId, token: token(g + offset, 'b') }, ++at);
  }
  return { machine, at };
}

/** The commands of `games`, round-robin: the server sees many games' moves interleaved. */
function moveCommands(games: string[][], offset = 0): Command[] {
  const out: Command[] = [];
  const longest = Math.max(...games.map((g) => g.length));
  for (let ply = 0; ply < longest; ply++) {
    for (let g = 0; g < games.length; g++) {
      const move = games[g]![ply];
      if (move === undefined) continue;
      const side = ply % 2 === 0 ? 'w' : 'b';
      out.push({ type: 'move', requestId: `m${ply}`, session: `${side}${g}`, gameId: `g${g + offset}`, token: token(g + offset, side), move });
    }
  }
  return out;
}

function timeMachine(games: string[][]): number {
  const { machine, at } = newMachineWithGames(games.length);
  const commands = moveCommands(games);
  let t = at;
  const start = process.hrtime.bigint();
  for (const c of commands) {
    const { result } = machine.apply(c, (t += 7));
    if (!result.ok) throw new Error(`bench:fsm: the machine refused ${JSON.stringify(c)}: ${result.error.code} ${result.error.message}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function timeChessJs(games: string[][]): number {
  const boards = games.map(() => new Chess());
  const longest = Math.max(...games.map((g) => g.length));
  let over = 0;
  const start = process.hrtime.bigint();
  for (let ply = 0; ply < longest; ply++) {
    for (let g = 0; g < games.length; g++) {
      const uci = games[g]![ply];
      if (uci === undefined) continue;
      const board = boards[g]!;
      board.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), promotion: uci[4] });
      if (board.isGameOver()) over++;
    }
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  if (over < 0) throw new Error('unreachable');
  return s;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  // The same games every run.
  const rand = seeded(20261125);
  const games = Array.from({ length: GAMES }, () => randomGame(rand, PLIES));
  const moves = games.reduce((n, g) => n + g.length, 0);
  process.stderr.write(`bench:fsm: ${GAMES} random games, ${moves} moves; ${ROUNDS} rounds each, alternating\n`);
  const machineRates: number[] = [];
  const chessRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = moves / timeMachine(games);
    const b = moves / timeChessJs(games);
    machineRates.push(a);
    chessRates.push(b);
    process.stdout.write(`${JSON.stringify({ round: r + 1, machine: Math.round(a), chessjs: Math.round(b), ratio: Number((a / b).toFixed(3)) })}\n`);
  }
  const ratios = machineRates.map((a, i) => a / chessRates[i]!);

  // Restore: 10,000 live games 40 plies in. Playing 400,000 moves to get there would take most of a
  // minute, so 250 games are played and their saved state is repeated under fresh ids and tokens.
  const SEED_GAMES = 250;
  // 41 plies: 40 played before the snapshot, the 41st made after the restore.
  const seedGames = Array.from({ length: SEED_GAMES }, () => randomGame(rand, 41)).filter((g) => g.length === 41);
  const { machine } = newMachineWithGames(seedGames.length);
  let t = 1_800_000_000_000;
  for (const c of moveCommands(seedGames.map((g) => g.slice(0, 40)))) machine.apply(c, (t += 7));
  // The snapshot is JSON lines: a header, one line per game, then the dedupe table.
  const lines = Buffer.from(machine.snapshot()).toString('utf8').split('\n');
  const head = JSON.parse(lines[0]!) as { games: number; dedupeLines: number };
  const template = lines.slice(1, 1 + head.games).map((l) => JSON.parse(l) as { id: string; seats: { white: { token: string }; black: { token: string } } });
  const cloned = Array.from({ length: RESTORE_GAMES }, (_, i) => {
    const g = structuredClone(template[i % template.length]!);
    g.id = `r${i}`;
    g.seats.white.token = token(i, 'w');
    g.seats.black.token = token(i, 'b');
    return JSON.stringify(g);
  });
  const text = [JSON.stringify({ ...head, games: RESTORE_GAMES, dedupeLines: 0 }), ...cloned, ''].join('\n');
  const bytes = new Uint8Array(Buffer.from(text));
  const restoreTimes: number[] = [];
  const withMoveTimes: number[] = [];
  for (let r = 0; r < 3; r++) {
    const s = process.hrtime.bigint();
    const restored = ChessMachine.fromSnapshot(bytes);
    restoreTimes.push(Number(process.hrtime.bigint() - s) / 1e9);
    if (restored.size !== RESTORE_GAMES) throw new Error(`bench:fsm: restored ${restored.size} games`);
    // One more move in every game: each builds its board from FEN.
    let at = restored.now;
    for (let i = 0; i < RESTORE_GAMES; i++) {
      // Ply 41 is White's: 40 plies were played from the standard position.
      const move = seedGames[i % seedGames.length]![40]!;
      const { result } = restored.apply({ type: 'move', requestId: 'after-restore', session: `bench-${i}`, gameId: `r${i}`, token: token(i, 'w'), move }, ++at);
      if (!result.ok) throw new Error(`bench:fsm: move after restore refused: ${result.error.code} ${result.error.message}`);
    }
    withMoveTimes.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  const N = Math.round(median(machineRates));
  const R = median(ratios);
  const T = median(restoreTimes);
  process.stdout.write(
    `${JSON.stringify({ machineMovesPerSec: N, chessjsMovesPerSec: Math.round(median(chessRates)), ratio: Number(R.toFixed(3)), snapshotBytes: bytes.length, restoreSeconds: Number(T.toFixed(3)), restorePlusOneMoveEachSeconds: Number(median(withMoveTimes).toFixed(3)) })}\n`,
  );
  process.stdout.write(`bench:fsm: ${N} moves/s, ${R.toFixed(2)} x chess.js, restore ${RESTORE_GAMES} games in ${T.toFixed(2)} s\n`);
}

main();
