import { fill, h } from './dom';

export interface ListedMove {
  san: string;
  pending?: boolean;
}

/** The moves in SAN, numbered in pairs; a move not yet acknowledged is marked as pending. */
export class MoveList {
  readonly el = h('ol.moves', { 'aria-label': 'Moves', id: 'move-list' });

  /** `blackFirst`: the game started from a position with black to move. */
  draw(moves: readonly ListedMove[], blackFirst: boolean, firstNumber = 1): void {
    this.el.start = firstNumber;
    const plies = blackFirst ? [null, ...moves] : moves;
    const rows: HTMLElement[] = [];
    for (let i = 0; i < plies.length; i += 2) {
      rows.push(h('li', {}, cell(plies[i]), cell(plies[i + 1])));
    }
    fill(this.el, rows);
    this.el.scrollTop = this.el.scrollHeight;
  }
}

function cell(m: ListedMove | null | undefined): HTMLElement {
  if (m === undefined) return h('span.move.empty');
  if (m === null) return h('span.move', {}, '…');
  return h(`span.move${m.pending ? '.pending' : ''}`, m.pending ? { title: 'sent, waiting for the server', 'data-pending': 'true' } : {}, m.san);
}
