import type { Color, PieceSymbol } from '@rookery/protocol';
import { formatClock, timeLeft } from '../core/clock';
import { colorName } from '../core/describe';
import type { GameModel } from '../core/game-model';
import type { MaterialDiff } from '../core/material';
import { fill, h } from './dom';

const GLYPH: Record<Exclude<PieceSymbol, 'k'>, string> = { q: '♛', r: '♜', b: '♝', n: '♞', p: '♟' };

/** A player's strip beside the board: name, the pieces they have won, their clock. */
export class PlayerBar {
  readonly el: HTMLElement;
  private readonly name = h('span.name');
  private readonly captured = h('span.captured');
  private readonly clock = h('span.clock', { role: 'timer' });

  constructor(position: 'top' | 'bottom') {
    this.el = h(`div.player.${position}`, {}, h('span.who', {}, this.name, this.captured), this.clock);
  }

  draw(m: GameModel, color: Color, material: MaterialDiff, you: boolean): void {
    const seat = m.seats[color];
    this.el.dataset['color'] = color;
    fill(this.name, h(`span.dot.${color}`, { 'aria-hidden': 'true' }), seat === null ? h('em.muted', {}, 'waiting for a player…') : seat.name, you ? h('span.you', {}, ' (you)') : null);
    this.name.setAttribute('aria-label', `${colorName(color)}: ${seat?.name ?? 'open seat'}`);
    const mine = material[color];
    fill(
      this.captured,
      mine.pieces.map((p) => h('span.piece', { 'aria-hidden': 'true' }, GLYPH[p])),
      mine.score > 0 ? h('span.score', { 'aria-label': `${colorName(color)} is ${mine.score} up in material` }, `+${mine.score}`) : null,
    );
    this.clock.hidden = m.clocks === null;
  }

  /** Redrawn every tenth of a second while a clock runs. */
  tick(m: GameModel, color: Color, serverNow: number): void {
    if (m.clocks === null) return;
    const ms = timeLeft(m.clocks, color, serverNow);
    this.clock.textContent = formatClock(ms);
    this.clock.classList.toggle('running', m.clocks.running === color && m.status === 'started');
    this.clock.classList.toggle('low', ms < 20_000);
    this.clock.setAttribute('aria-label', `${colorName(color)} clock ${formatClock(ms)}`);
  }
}
