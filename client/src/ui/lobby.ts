import type { Color, GameSummary, TimeControl } from '@rookery/protocol';
import { backoffDelay } from '../core/backoff';
import { describeError, TIME_CONTROLS, timeControlLabel } from '../core/describe';
import { isRetryable } from '../core/outbox';
import type { SessionStore } from '../core/session';
import type { Connection } from '../net/connection';
import { fill, h, toast } from './dom';

export interface LobbyDeps {
  conn: Connection;
  store: SessionStore;
  navigate(path: string): void;
}

const NAME_KEY = 'rookery.name';

/** The lobby: a new game (time control, color, name) and the live games to join or watch. */
export function lobbyPage(root: HTMLElement, deps: LobbyDeps): () => void {
  let tc: TimeControl | null = TIME_CONTROLS[2]!.tc;
  let color: Color | 'random' = 'random';
  const nameInput = h('input', { id: 'player-name', type: 'text', maxlength: 32, placeholder: 'Anonymous', autocomplete: 'nickname', value: localStorage.getItem(NAME_KEY) ?? '' });

  const tcButtons = TIME_CONTROLS.map((t) => {
    const b = h('button.tc', { type: 'button', 'aria-pressed': String(t.tc === tc), 'data-tc': t.label, onclick: () => pickTc(t.tc, b) }, h('span.tc-clock', {}, t.label), h('span.tc-kind', {}, t.kind));
    return b;
  });
  const pickTc = (next: TimeControl | null, b: HTMLButtonElement): void => {
    tc = next;
    for (const x of tcButtons) x.setAttribute('aria-pressed', String(x === b));
  };
  const colorButtons = (['white', 'random', 'black'] as const).map((c) => {
    const b = h(`button.color.color-${c}`, { type: 'button', 'aria-pressed': String(c === color), 'aria-label': `Play ${c === 'random' ? 'a random color' : c}`, 'data-color': c, onclick: () => pickColor(c, b) }, h('span.swatch', {}), c === 'random' ? 'Random' : c === 'white' ? 'White' : 'Black');
    return b;
  });
  const pickColor = (c: Color | 'random', b: HTMLButtonElement): void => {
    color = c;
    for (const x of colorButtons) x.setAttribute('aria-pressed', String(x === b));
  };

  const createButton = h('button.primary', { type: 'submit', id: 'create-game' }, 'Create game');
  const form = h(
    'form.card.new-game',
    { onsubmit: (e: Event) => void create(e) },
    h('h2', {}, 'New game'),
    h('fieldset', {}, h('legend', {}, 'Time control'), h('div.tc-grid', {}, tcButtons)),
    h('fieldset', {}, h('legend', {}, 'Your color'), h('div.colors', {}, colorButtons)),
    h('label.name', { for: 'player-name' }, 'Your name', nameInput),
    createButton,
  );

  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    const name = nameInput.value.trim();
    localStorage.setItem(NAME_KEY, name);
    createButton.disabled = true;
    createButton.textContent = 'Creating…';
    const requestId = deps.store.requestId();
    try {
      for (let attempt = 0; ; attempt++) {
        const r = await deps.conn.request('game:create', { requestId, timeControl: tc, color, ...(name ? { name } : {}) });
        if (r.ok) {
          deps.store.keepSeat(r.gameId, r.token, r.color, Date.now());
          deps.navigate(`/game/${r.gameId}`);
          return;
        }
        if (!isRetryable(r.error.code) || attempt >= 10) {
          toast(describeError(r.error.code, r.error.message), 'error');
          return;
        }
        await new Promise((res) => setTimeout(res, backoffDelay(attempt, Math.random)));
      }
    } finally {
      createButton.disabled = false;
      createButton.textContent = 'Create game';
    }
  };

  const list = h('div.games', { id: 'live-games' }, h('p.muted', {}, 'Loading games…'));
  const games = h('section.card.lobby-games', { 'aria-labelledby': 'live-title' }, h('h2', { id: 'live-title' }, 'Live games'), list);
  fill(root, h('div.lobby', {}, form, games));

  const showGames = (all: GameSummary[]): void => {
    if (all.length === 0) return fill(list, h('p.muted', {}, 'No games right now. Create one and share its link.'));
    const mine = deps.store.seats();
    const rows = [...all]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((g) => {
        const open = g.status === 'waiting' && mine[g.gameId] === undefined;
        const action = mine[g.gameId] !== undefined ? 'Resume' : open ? 'Join' : 'Watch';
        return h(
          'a.game-row',
          { href: `/game/${g.gameId}`, 'data-game': g.gameId, onclick: (e: Event) => (e.preventDefault(), deps.navigate(`/game/${g.gameId}`)) },
          h('span.players', {}, h('span.dot.white', {}), g.seats.white?.name ?? '…', h('span.vs', {}, 'vs'), h('span.dot.black', {}), g.seats.black?.name ?? '…'),
          h('span.tc-label', {}, timeControlLabel(g.timeControl)),
          h('span.state', {}, g.status === 'waiting' ? 'Waiting' : `Move ${Math.floor(g.plies / 2) + 1}`),
          h(`span.action.${action.toLowerCase()}`, {}, action),
        );
      });
    fill(list, rows);
  };

  const refresh = async (): Promise<void> => {
    if (!deps.conn.online) return;
    const r = await deps.conn.request('lobby:list', {});
    if (r.ok) showGames(r.games);
  };
  const off = deps.conn.onOnline(() => void refresh());
  void refresh();
  const timer = setInterval(() => void refresh(), 4000);
  return () => {
    off();
    clearInterval(timer);
  };
}
