import { NodeList } from './core/nodes';
import { SessionStore } from './core/session';
import { Connection } from './net/connection';
import { connectionBadge } from './ui/connection-badge';
import { h } from './ui/dom';
import { gamePage } from './ui/game-page';
import { lobbyPage } from './ui/lobby';
import './styles.css';

/**
 * The page: one connection to the cluster for its whole life, and two screens, the lobby (/) and
 * a game (/game/<id>), switched without reloading. Run locally, the nodes to fall back on come
 * from GET /api/nodes; behind HAProxy that list is empty and the page's origin is the only one.
 */
async function boot(): Promise<void> {
  const store = new SessionStore(localStorage, (n) => crypto.getRandomValues(new Uint8Array(n)));
  const nodes = new NodeList(location.origin, await clusterNodes());
  const conn = new Connection({ nodes, auth: () => ({ session: store.session, seats: store.tokens() }) });

  const badge = connectionBadge();
  const main = h('main', { id: 'main' });
  const home = h('a.brand', { href: '/', onclick: (e: Event) => (e.preventDefault(), navigate('/')) }, h('span.logo', { 'aria-hidden': 'true' }, '♜'), 'Rookery');
  document.body.replaceChildren(h('header.top', {}, home, badge.el), main);
  conn.onState((s) => badge.show(s, Date.now()));
  setInterval(() => badge.show(conn.state, Date.now()), 500);

  let leave: (() => void) | undefined;
  const route = (): void => {
    leave?.();
    const game = /^\/game\/([A-Za-z0-9_-]{1,32})\/?$/.exec(location.pathname);
    const deps = { conn, store, navigate };
    leave = game ? gamePage(main, game[1]!, deps) : lobbyPage(main, deps);
    if (!game) document.title = 'Rookery · play chess';
  };
  function navigate(path: string): void {
    if (path !== location.pathname) history.pushState(null, '', path);
    route();
  }
  window.addEventListener('popstate', route);
  conn.start();
  route();
}

async function clusterNodes(): Promise<string[]> {
  try {
    const r = await fetch('/api/nodes', { headers: { accept: 'application/json' } });
    if (!r.ok) return [];
    const body = (await r.json()) as { nodes?: unknown };
    return Array.isArray(body.nodes) ? body.nodes.filter((n): n is string => typeof n === 'string' && /^https?:\/\//.test(n)) : [];
  } catch {
    return [];
  }
}

void boot();
