import type { Color, GameEvent } from '@rookery/protocol';
import { colorName, describeError, describeResult, other, timeControlLabel } from '../core/describe';
import { openSeat, type GameModel } from '../core/game-model';
import { claimableDraw, Position } from '../core/legal';
import { materialDiff } from '../core/material';
import type { SessionStore } from '../core/session';
import type { Connection } from '../net/connection';
import { GameSession } from '../net/game-session';
import { BoardView } from './board';
import { controls } from './controls';
import { fill, h, toast } from './dom';
import { MoveList, type ListedMove } from './move-list';
import { PlayerBar } from './player-bar';

/** An eye, drawn rather than taken from a font that may not have the emoji. */
function eyeIcon(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = '<path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z"/><circle cx="12" cy="12" r="3"/>';
  return svg;
}

export interface GamePageDeps {
  conn: Connection;
  store: SessionStore;
  navigate(path: string): void;
}

/** What the page draws from: the server's model with the player's pending move, if any, on top. */
interface Shown {
  fen: string;
  moves: ListedMove[];
  lastMove: string | null;
  pending: boolean;
}

/** A game: the board, both players' clocks and material, the moves, the result, the buttons. */
export function gamePage(root: HTMLElement, gameId: string, deps: GamePageDeps): () => void {
  const top = new PlayerBar('top');
  const bottom = new PlayerBar('bottom');
  const moves = new MoveList();
  const boardHost = h('div.board', { id: 'board', 'data-game': gameId });
  const banner = h('div.banner', { id: 'result', role: 'status', 'aria-live': 'polite', hidden: true });
  const notice = h('div.notice', { id: 'notice' });
  const buttons = h('div.controls', { id: 'controls' });
  const meta = h('div.meta');
  const spectators = h('span.spectators', { id: 'spectators', 'aria-live': 'polite' });
  const typed = h('input', { id: 'typed-move', type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', placeholder: 'Type a move: e4, Nf3, e2e4', 'aria-label': 'Type your move in SAN or UCI' });
  const typedError = h('p.typed-error', { id: 'typed-error', role: 'alert' });
  const typedForm = h('form.typed', { onsubmit: (e: Event) => (e.preventDefault(), submitTyped()) }, typed, h('button', { type: 'submit' }, 'Play'), typedError);

  fill(
    root,
    h(
      'div.game',
      {},
      h('div.board-col', {}, top.el, h('div.board-wrap', {}, boardHost), bottom.el),
      h('aside.side', { 'aria-label': 'Game' }, meta, banner, notice, h('div.card.moves-card', {}, moves.el, typedForm), buttons, h('p.watchers', {}, eyeIcon(), spectators)),
    ),
  );

  const session = new GameSession(gameId, deps.conn, deps.store, {
    change: () => draw(),
    refused: (cmd, code, message) => toast(`${cmd.event === 'game:move' ? `Move ${cmd.move}: ` : ''}${describeError(code, message)}`, 'error'),
    missing: (message) => {
      fill(root, h('div.card.missing', {}, h('h2', {}, 'No such game'), h('p', {}, message), h('a', { href: '/', onclick: (e: Event) => (e.preventDefault(), deps.navigate('/')) }, 'Back to the lobby')));
      stop();
    },
    event: (e: GameEvent) => announce(e),
  });
  const board = new BoardView(boardHost, (uci) => play(uci));

  const shown = (m: GameModel): Shown => {
    const listed: ListedMove[] = m.moves.map((x) => ({ san: x.san }));
    const p = session.outbox.pendingMove(gameId, m.moves.length);
    const after = p?.move !== undefined ? new Position(m.fen).after(p.move) : null;
    if (p !== undefined && after !== null) return { fen: after.fen, moves: [...listed, { san: after.san, pending: true }], lastMove: p.move!, pending: true };
    return { fen: m.fen, moves: listed, lastMove: m.moves.at(-1)?.uci ?? null, pending: false };
  };

  const play = (uci: string): void => {
    const m = session.model;
    if (m === null || session.seat === null) return;
    session.send('game:move', uci);
  };

  const submitTyped = (): void => {
    const m = session.model;
    typedError.textContent = '';
    if (m === null) return;
    if (session.seat === null) return void (typedError.textContent = 'You are watching this game.');
    if (m.status !== 'started') return void (typedError.textContent = m.status === 'waiting' ? 'Waiting for your opponent to join.' : 'The game is over.');
    const view = shown(m);
    const pos = new Position(view.fen);
    if (view.pending || pos.turn !== session.seat) return void (typedError.textContent = 'It is not your turn.');
    const r = pos.parse(typed.value);
    if (!r.ok) return void (typedError.textContent = r.message);
    typed.value = '';
    play(r.uci);
  };

  const announce = (e: GameEvent): void => {
    if (e.type === 'drawOffered' && e.color !== session.seat && session.seat !== null) toast(`${colorName(e.color)} offers a draw.`);
    if (e.type === 'drawDeclined' && !e.implicit && e.color !== session.seat && session.seat !== null) toast('Your draw offer was declined.');
  };

  let buttonsKey = '';
  let claimAt = -1;
  let claimable: 'threefold' | 'fifty-moves' | null = null;
  const draw = (): void => {
    const m = session.model;
    if (m === null) return;
    const seat = session.seat;
    const orientation: Color = seat ?? 'white';
    const view = shown(m);
    const material = materialDiff(view.fen);
    top.draw(m, other(orientation), material, seat === other(orientation));
    bottom.draw(m, orientation, material, seat === orientation);
    const blackFirst = m.initialFen.split(' ')[1] === 'b';
    moves.draw(view.moves, blackFirst, Number(m.initialFen.split(' ')[5] ?? '1') || 1);
    const canMove = seat !== null && m.status === 'started' && !view.pending && session.outbox.pending(gameId).every((p) => p.event !== 'game:move');
    board.draw({ fen: view.fen, orientation, lastMove: view.lastMove, pendingMove: view.pending, movable: canMove ? seat : null });
    typed.disabled = !canMove;
    document.title = `${m.seats.white?.name ?? '?'} vs ${m.seats.black?.name ?? '?'} · Rookery`;
    fill(meta, h('span.tc-label', {}, timeControlLabel(m.timeControl)), h('span.muted', {}, seat === null ? ' · spectating' : ` · you play ${seat}`));
    if (m.status === 'ended') {
      const r = describeResult(m.result, m.reason);
      banner.hidden = false;
      fill(banner, h('strong', {}, r.title), h('span', {}, r.detail));
    } else banner.hidden = true;
    drawNotice(m, seat);
    // Redrawn only when they would change (a clock sync must not undo a half-confirmed resign).
    const pending = session.outbox.pending(gameId);
    if (claimAt !== m.version) {
      claimAt = m.version;
      claimable = seat !== null && m.status === 'started' ? claimableDraw(m.initialFen, m.moves) : null;
    }
    const key = JSON.stringify([m.status, m.drawOffer, Math.min(m.moves.length, 2), seat, pending.map((p) => p.event), deps.conn.state.node, claimable, m.turn]);
    if (key !== buttonsKey) {
      buttonsKey = key;
      fill(buttons, controls({ model: m, seat, pending, send: (ev) => session.send(ev), pgnUrl: `${deps.conn.state.node}/api/games/${gameId}/pgn`, claimable }));
    }
    spectators.textContent = `${session.spectators} ${session.spectators === 1 ? 'spectator' : 'spectators'}`;
    spectators.dataset['count'] = String(session.spectators);
    root.dataset['version'] = String(m.version);
    root.dataset['status'] = m.status;
  };

  let noticeKey = '';
  const drawNotice = (m: GameModel, seat: Color | null): void => {
    const open = openSeat(m);
    // Drawn again only when it changes: a redraw would drop what the visitor is typing.
    const key = `${open}:${seat}`;
    if (key === noticeKey) return;
    noticeKey = key;
    if (open !== null && seat !== null) {
      const link = `${location.origin}/game/${gameId}`;
      const input = h('input', { id: 'share-link', type: 'text', readonly: true, value: link, 'aria-label': 'Link to share with your opponent', onfocus: (e: Event) => (e.target as HTMLInputElement).select() });
      return fill(notice, h('div.card.share', {}, h('p', {}, 'Waiting for an opponent. Send them this link:'), h('div.copy', {}, input, h('button', { type: 'button', onclick: () => void navigator.clipboard?.writeText(link).then(() => toast('Link copied.')) }, 'Copy'))));
    }
    if (open !== null && seat === null) {
      const name = h('input', { id: 'join-name', type: 'text', maxlength: 32, placeholder: 'Your name', value: localStorage.getItem('rookery.name') ?? '', 'aria-label': 'Your name' });
      const button = h('button.primary', { type: 'button', id: 'join-game' }, `Play as ${open}`);
      button.addEventListener('click', () => {
        button.disabled = true;
        const n = name.value.trim();
        if (n) localStorage.setItem('rookery.name', n);
        void session.join(n || undefined).then((r) => {
          button.disabled = false;
          if (!r.ok) toast(describeError(r.code, r.message), 'error');
        });
      });
      return fill(notice, h('div.card.join', {}, h('p', {}, `${m.seats[other(open)]?.name ?? 'Someone'} is waiting for an opponent.`), h('div.copy', {}, name, button)));
    }
    fill(notice);
  };

  const tick = setInterval(() => {
    const m = session.model;
    if (m === null || m.clocks === null) return;
    const now = session.time.now(Date.now());
    const orientation: Color = session.seat ?? 'white';
    top.tick(m, other(orientation), now);
    bottom.tick(m, orientation, now);
  }, 100);

  session.start();
  const stop = (): void => {
    clearInterval(tick);
    session.stop();
  };
  return () => {
    stop();
    board.destroy();
  };
}
