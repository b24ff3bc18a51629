import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RedisServer, TestCluster, type HaproxyProcess } from '@rookery/testing';
import { buildClient, launchBrowser, REPO, screenshot, waitForMoves } from '@rookery/testing/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { haproxyInFront } from '../haproxy/in-front';

const ADMIN = 'rolling-browser-admin-token';
/** Morphy's Opera Game (Paris, 1858): 33 legal plies ending in mate. */
const OPERA = 'e4 e5 Nf3 d6 d4 Bg4 dxe5 Bxf3 Qxf3 dxe5 Bc4 Nf6 Qb3 Qe7 Nc3 c6 Bg5 b5 Nxb5 cxb5 Bxb5+ Nbd7 O-O-O Rd8 Rxd7 Rxd7 Rd1 Qe6 Bxd7+ Nxd7 Qb8+ Nxb8 Rd8#'.split(' ');

// Records, in the page, every change of the connection badge and every error shown to the player.
const WATCH_PAGE = `
  window.__conn = []; window.__errors = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target;
      if (r.type === 'attributes' && el.classList && el.classList.contains('conn')) window.__conn.push({ state: el.dataset.state, t: Date.now() });
      for (const n of r.addedNodes || []) if (n.classList && n.classList.contains('toast') && n.classList.contains('error')) window.__errors.push(n.textContent);
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
`;

/**
 * Two players and a spectator, in Chromium, connected through a real HAProxy, play the Opera
 * Game while `npm run rolling-restart` restarts all three nodes (Redis restart slots, nodes
 * under a supervisor): no move lost or applied twice, nothing shown to the players but
 * reconnects, each under 3 s.
 */
describe('a rolling restart under players, through HAProxy', () => {
  let redis: RedisServer;
  let cluster: TestCluster;
  let haproxy: HaproxyProcess;
  let browser: Browser;
  let clientDir: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    clientDir = buildClient();
    redis = await RedisServer.start();
    cluster = await TestCluster.start(3, ['--client-dir', clientDir, '--drain-grace-ms', '1000'], { agents: true, supervise: true, env: { REDIS_URL: redis.url, ADMIN_TOKEN: ADMIN } });
    haproxy = await haproxyInFront(cluster);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await haproxy?.stop();
    await cluster?.stop();
    await redis?.stop();
    rmSync(clientDir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    await context.addInitScript(WATCH_PAGE);
    const page = await context.newPage();
    await page.goto(haproxy.url + path);
    await page.locator('.conn[data-state="online"]').waitFor({ timeout: 10_000 });
    return page;
  }

  it('plays on through the restart of every node, each reconnect under 3 s', async () => {
    const white = await open('/');
    await white.locator('[data-tc="∞"]').click();
    await white.locator('[data-color="white"]').click();
    await white.locator('#player-name').fill('Morphy');
    await white.locator('#create-game').click();
    await white.waitForURL(/\/game\/[A-Za-z0-9_-]+$/);
    const gameId = /\/game\/([A-Za-z0-9_-]+)$/.exec(white.url())![1]!;
    const black = await open(`/game/${gameId}`);
    await black.locator('#join-name').fill('Duke');
    await black.locator('#join-game').click();
    await black.locator('.player.bottom .you').waitFor();
    const spectator = await open(`/game/${gameId}`);
    const pages = [white, black, spectator];

    // The rolling restart, as an operator runs it.
    const cli = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'deploy', 'rolling-restart', 'cli.ts'), '--nodes', cluster.nodes.map((n) => n.url).join(','), '--admin-token', ADMIN], { stdio: ['ignore', 'pipe', 'pipe'] });
    let cliOut = '';
    cli.stdout.on('data', (d: Buffer) => (cliOut += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (cliOut += d.toString()));
    const done = new Promise<number>((resolve) => cli.once('exit', (code) => resolve(code ?? -1)));
    let finished = false;
    void done.then(() => (finished = true));

    const played: string[] = [];
    for (const [i, san] of OPERA.entries()) {
      // Keep the mate for after the restart: the game must still be going while it runs.
      if (i === OPERA.length - 1) await done;
      const mover = i % 2 === 0 ? white : black;
      await mover.locator('#typed-move:not([disabled])').waitFor({ timeout: 20_000 });
      await mover.locator('#typed-move').fill(san);
      await mover.locator('#typed-move').press('Enter');
      played.push(san);
      for (const p of pages) await waitForMoves(p, played, 20_000);
      if (!finished) await new Promise((r) => setTimeout(r, 300));
    }
    const code = await done;
    assert.equal(code, 0, `rolling-restart failed:\n${cliOut}`);
    assert.match(cliOut, /3 nodes restarted, one at a time/);
    for (const p of pages) await p.locator('#result', { hasText: 'White wins by checkmate' }).waitFor();
    await screenshot(spectator, 'after-rolling-restart');
    process.stdout.write(`# rolling restart:\n${cliOut.replace(/^/gm, '#   ')}\n`);

    // Every node did restart, and the game is exactly as played.
    assert.deepEqual(cluster.nodes.map((n) => n.restarts), [1, 1, 1]);
    const res = await fetch(`${haproxy.url}/api/games/${gameId}`);
    const game = ((await res.json()) as { game: { moves: { san: string }[]; result: string } }).game;
    assert.deepEqual(game.moves.map((m) => m.san), OPERA, 'no move lost or applied twice');
    assert.equal(game.result, '1-0');

    // What the players saw: reconnects only, each short.
    for (const [name, p] of [['white', white], ['black', black], ['spectator', spectator]] as const) {
      const { conn, errors } = (await p.evaluate('({ conn: window.__conn, errors: window.__errors })')) as { conn: { state: string; t: number }[]; errors: string[] };
      assert.deepEqual(errors, [], `${name} was shown errors`);
      const outages: number[] = [];
      let since = 0;
      for (const c of conn) {
        if (c.state !== 'online' && since === 0) since = c.t;
        if (c.state === 'online' && since !== 0) {
          outages.push(c.t - since);
          since = 0;
        }
      }
      assert.equal(since, 0, `${name} is not back online`);
      process.stdout.write(`# ${name}: ${outages.length} reconnects, ${outages.map((ms) => `${ms} ms`).join(', ') || 'none'}\n`);
      for (const ms of outages) assert.ok(ms < 3000, `${name} took ${ms} ms to reconnect`);
    }
  });
});
