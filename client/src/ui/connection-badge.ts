import type { ConnectionState } from '../net/connection';
import { h } from './dom';

/** The connection state, always visible: online (and on which node), connecting, or retrying in n s. */
export function connectionBadge(): { el: HTMLElement; show(s: ConnectionState, now: number): void } {
  const el = h('div.conn', { role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' });
  const show = (s: ConnectionState, now: number): void => {
    el.dataset['state'] = s.kind;
    const host = s.node.replace(/^https?:\/\//, '');
    if (s.kind === 'online') {
      el.textContent = 'Online';
      el.title = `Connected to ${host}`;
    } else if (s.kind === 'connecting') {
      el.textContent = s.attempt === 0 ? 'Connecting…' : 'Reconnecting…';
      el.title = `Connecting to ${host}`;
    } else {
      const secs = Math.max(0, Math.ceil((s.retryAt - now) / 1000));
      el.textContent = secs > 0 ? `Reconnecting in ${secs} s` : 'Reconnecting…';
      el.title = s.reason;
    }
  };
  return { el, show };
}
