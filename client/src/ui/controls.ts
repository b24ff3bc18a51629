import type { Color } from '@rookery/protocol';
import type { GameModel } from '../core/game-model';
import type { PendingCommand, SeatEvent } from '../core/outbox';
import { h } from './dom';

export interface ControlsInput {
  model: GameModel;
  seat: Color | null;
  pending: readonly PendingCommand[];
  send(event: SeatEvent): void;
  pgnUrl: string;
  /** A draw the player could claim now, if any. */
  claimable: 'threefold' | 'fifty-moves' | null;
}

/**
 * The buttons a player has now: abort before both sides have moved, resign after; offer a draw,
 * or answer the opponent's offer. Which commands the server accepts is still the server's call:
 * these only hide buttons that cannot work. Resigning asks first.
 */
export function controls(c: ControlsInput): HTMLElement[] {
  const { model: m, seat } = c;
  const busy = (ev: SeatEvent): boolean => c.pending.some((p) => p.event === ev);
  const button = (ev: SeatEvent, label: string, id: string, cls = ''): HTMLButtonElement =>
    h('button', { type: 'button', id, class: cls, disabled: busy(ev), onclick: () => c.send(ev) }, busy(ev) ? `${label}…` : label);
  const out: HTMLElement[] = [];
  const live = m.status !== 'ended';
  if (seat !== null && live) {
    if (m.moves.length < 2) out.push(button('game:abort', 'Abort', 'abort'));
    if (m.status === 'started') {
      if (m.drawOffer !== null && m.drawOffer !== seat) {
        out.push(button('game:acceptDraw', 'Accept draw', 'accept-draw', 'primary'), button('game:declineDraw', 'Decline', 'decline-draw'));
      } else if (m.drawOffer === null) out.push(button('game:offerDraw', 'Offer draw', 'offer-draw'));
      else out.push(h('span.muted', {}, 'Draw offered'));
      if (c.claimable !== null && m.turn === seat) out.push(button('game:claimDraw', c.claimable === 'threefold' ? 'Claim draw (threefold)' : 'Claim draw (50 moves)', 'claim-draw', 'primary'));
      if (m.moves.length >= 2) {
        const resign = h('button.danger', { type: 'button', id: 'resign', disabled: busy('game:resign') }, 'Resign');
        resign.addEventListener('click', () => {
          if (resign.dataset['confirm'] === 'yes') return c.send('game:resign');
          resign.dataset['confirm'] = 'yes';
          resign.textContent = 'Confirm resign';
          setTimeout(() => {
            if (!resign.isConnected) return;
            resign.dataset['confirm'] = '';
            resign.textContent = 'Resign';
          }, 3000);
        });
        out.push(resign);
      }
    }
  }
  if (m.moves.length > 0 || m.status === 'ended') out.push(h('a.button', { href: c.pgnUrl, download: `rookery-${m.gameId}.pgn`, id: 'pgn' }, 'Download PGN'));
  return out;
}
