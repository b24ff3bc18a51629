import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { buildClient, clickMove, contrastProblems, launchBrowser, overflowsSideways, pendingSeen, recordPending, screenshot, waitForMoves } from '@rookery/testing/browser';

/**
 * The browser client against a real 3-node cluster, in Debian's Chromium: two players in their
 * own browser contexts play to checkmate by clicking squares, each page served by a different
 * node; a spectator on the third node sees every move; the node one player is connected to is
 * killed mid-game, the player's next move is made while the page reconnects, and the game goes
 * on with no move lost or doubled.
 */
describe('browser client: play, watch and survive a node kill', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let clientDir: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    clientDir = buildClient();
    cluster = await TestCluster.start(3, (nodes) => ['--client-dir', clientDir, '--client-nodes', nodes.map((n) => n.url).join(',')]);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await cluster?.stop();
    rmSync(clientDir, { recursive: true, force: true });
  });

  async function open(node: NodeHandle, path: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(node.url + path);
    await page.locator('.conn[data-state="online"]').waitFor({ timeout: 10_000 });
    return page;
  }

  /** White creates a game on `wn`, black joins it by its link on `bn`; both pages are returned on the game. */
  async function newGame(wn: NodeHandle, bn: NodeHandle, tc: string): Promise<{ white: Page; black: Page; gameId: string }> {
    const white = await open(wn, '/');
    await white.locator(`[data-tc="${tc}"]`).click();
    await white.locator('[data-color="white"]').click();
    await white.locator('#player-name').fill('Carol');
    await white.locator('#create-game').click();
    await white.waitForURL(/\/game\/[A-Za-z0-9_-]+$/);
    const gameId = /\/game\/([A-Za-z0-9_-]+)$/.exec(white.url())![1]!;
    const black = await open(bn, `/game/${gameId}`);
    await black.locator('#join-name').fill('Dave');
    await black.locator('#join-game').click();
    await black.locator('.player.bottom .you').waitFor();
    await white.locator('.player.top .name', { hasText: 'Dave' }).waitFor();
    return { white, black, gameId };
  }

  async function typeMove(page: Page, text: string): Promise<void> {
    await page.locator('#typed-move').fill(text);
    await page.locator('#typed-move').press('Enter');
  }

  it('plays to checkmate through three nodes, with a spectator and a node killed mid-game', async () => {
    const [n1, n2, n3] = cluster.nodes as [NodeHandle, NodeHandle, NodeHandle];

    // White creates a 5+3 game in the lobby of node 1.
    const white = await open(n1, '/');
    await white.locator('[data-tc="5+3"]').click();
    await white.locator('[data-color="white"]').click();
    await white.locator('#player-name').fill('Alice');
    await white.locator('#create-game').click();
    await white.waitForURL(/\/game\/[A-Za-z0-9_-]+$/);
    const link = await white.locator('#share-link').inputValue();
    const gameId = /\/game\/([A-Za-z0-9_-]+)$/.exec(link)![1]!;

    // Black follows the shared link, on node 2; a spectator watches on node 3.
    const black = await open(n2, `/game/${gameId}`);
    await black.locator('#join-name').fill('Bob');
    await black.locator('#join-game').click();
    await black.locator('.player.bottom .you').waitFor();
    // The spectator, at phone width, finds the game in node 3's lobby and opens it from there.
    const spectator = await open(n3, '/', { width: 390, height: 844 });
    const row = spectator.locator(`.game-row[data-game="${gameId}"]`);
    await row.locator('.action', { hasText: 'Watch' }).waitFor();
    await screenshot(spectator, 'lobby-phone');
    assert.equal(await overflowsSideways(spectator), false, "the lobby fits a phone's width");
    assert.deepEqual(await contrastProblems(spectator), [], 'lobby text is readable (WCAG AA)');
    await row.click();
    await spectator.locator('.meta', { hasText: 'spectating' }).waitFor();
    await spectator.locator('#spectators[data-count="1"]').waitFor();
    const visitor = await open(n1, '/');
    await visitor.locator(`.game-row[data-game="${gameId}"] .action`, { hasText: 'Watch' }).waitFor();
    await screenshot(visitor, 'lobby');
    await visitor.context().close();
    assert.equal(await black.locator('.player.bottom').getAttribute('data-color'), 'black', 'the board is turned for black');

    const pages = [white, black, spectator];
    const seen: string[] = [];
    const move = async (page: Page, uci: string, san: string): Promise<void> => {
      await clickMove(page, uci);
      seen.push(san);
      try {
        for (const p of pages) await waitForMoves(p, seen);
      } catch (e) {
        for (const [i, p] of pages.entries()) await screenshot(p, `failed-${san}-${i}`);
        throw e;
      }
    };

    await move(white, 'e2e4', 'e4');
    await move(black, 'e7e5', 'e5');
    await move(white, 'f1c4', 'Bc4');
    await screenshot(white, 'game-in-progress');
    await screenshot(spectator, 'game-in-progress-phone');
    assert.equal(await overflowsSideways(spectator), false, "the game fits a phone's width");
    for (const p of [white, spectator]) assert.deepEqual(await contrastProblems(p), [], 'game text is readable (WCAG AA)');

    // Kill black's node; black moves while the page reconnects to another node. The node is back
    // for the next tests whether this one passes or not.
    cluster.kill(n2);
    try {
      await black.locator('.conn:not([data-state="online"])').waitFor({ timeout: 10_000 });
      await recordPending(black);
      await clickMove(black, 'b8c6');
      seen.push('Nc6');
      for (const p of pages) await waitForMoves(p, seen, 20_000);
      await black.locator('.conn[data-state="online"]').waitFor();
      const whilePending = await pendingSeen(black);
      // (The page usually is still reconnecting when the move is shown; a reconnect within the
      // click's time would send it at once, which is not what is under test here and not asserted.)
      assert.deepEqual(whilePending.map((p) => p.san), ['Nc6'], `the move made while reconnecting is shown as pending: ${JSON.stringify(whilePending)}`);

      await move(white, 'd1h5', 'Qh5');
      await move(black, 'g8f6', 'Nf6');
      await move(white, 'h5f7', 'Qxf7#');
      for (const p of pages) await p.locator('#result', { hasText: 'White wins by checkmate' }).waitFor();
      await screenshot(black, 'game-finished');
      assert.deepEqual(await contrastProblems(black), [], 'the finished game is readable (WCAG AA)');

      // The cluster has the game exactly as played: each move once.
      const res = await fetch(`${n1.url}/api/games/${gameId}`);
      const body = (await res.json()) as { game: { moves: { san: string }[]; result: string; reason: string } };
      assert.deepEqual(
        body.game.moves.map((m) => m.san),
        ['e4', 'e5', 'Bc4', 'Nc6', 'Qh5', 'Nf6', 'Qxf7#'],
      );
      assert.equal(body.game.result, '1-0');
      assert.equal(body.game.reason, 'checkmate');
      for (const p of pages) assert.deepEqual((p as Page & { errors?: string[] }).errors, [], 'no uncaught errors in the page');
    } finally {
      await cluster.restart(n2);
    }
  });

  it('takes typed moves (SAN and UCI), promotes through the picker, answers draw offers, and moves off a draining node', async () => {
    const [n1, , n3] = cluster.nodes as [NodeHandle, NodeHandle, NodeHandle];
    const { white, black, gameId } = await newGame(n1, n3, '∞');
    const seen: string[] = [];
    const both = async (san: string): Promise<void> => {
      seen.push(san);
      for (const p of [white, black]) await waitForMoves(p, seen);
    };

    // A move that is not legal is refused in the page, with the reason, and nothing is sent.
    await typeMove(white, 'Ke2');
    await white.locator('#typed-error', { hasText: 'Ke2 is not a legal move here' }).waitFor();
    await typeMove(white, 'e4');
    await both('e4');
    await typeMove(black, 'd7d5');
    await both('d5');
    await typeMove(white, 'exd5');
    await both('exd5');
    await typeMove(black, 'c6');
    await both('c6');
    await typeMove(white, 'd5c6');
    await both('dxc6');
    await typeMove(black, 'Nf6');
    await both('Nf6');
    await typeMove(white, 'cxb7');
    await both('cxb7');
    // Black types an ambiguous SAN (either knight could go to d7): refused, not guessed.
    await typeMove(black, 'Nd7');
    await black.locator('#typed-error', { hasText: 'ambiguous' }).waitFor();
    await typeMove(black, 'Nbd7');
    await both('Nbd7');

    // White promotes by clicking, and picks a rook in the promotion picker.
    await clickMove(white, 'b7a8');
    await white.getByRole('button', { name: 'Rook' }).click();
    await both('bxa8=R');

    // Black's node drains: the page is told, moves to another node without reloading, and goes on.
    const marker = await black.evaluate(() => ((globalThis as unknown as { marker: number }).marker = Math.random()));
    n3.proc!.kill('SIGTERM');
    await black.locator('.conn:not([data-state="online"])').waitFor({ timeout: 10_000 });
    await black.locator('.conn[data-state="online"]').waitFor({ timeout: 10_000 });
    assert.equal(await black.evaluate(() => (globalThis as unknown as { marker: number }).marker), marker, 'the page was not reloaded');

    // Draw offers: black offers, white declines; white offers, black accepts.
    await black.locator('#offer-draw').click();
    await white.locator('#accept-draw').waitFor();
    await white.locator('#decline-draw').click();
    await black.locator('#offer-draw').waitFor();
    await white.locator('#offer-draw').click();
    await black.locator('#accept-draw').click();
    for (const p of [white, black]) await p.locator('#result', { hasText: 'Draw by agreement' }).waitFor();

    // The PGN download has the game as played.
    const [download] = await Promise.all([white.waitForEvent('download'), white.locator('#pgn').click()]);
    const pgn = await readFile((await download.path())!, 'utf8');
    assert.match(pgn, /\[Result "1\/2-1\/2"\]/);
    assert.match(pgn, /1\. e4 d5 2\. exd5 c6 3\. dxc6 Nf6 4\. cxb7 Nbd7 5\. bxa8=R 1\/2-1\/2/);
    const res = await fetch(`${n1.url}/api/games/${gameId}`);
    assert.equal(((await res.json()) as { game: { moves: unknown[] } }).game.moves.length, 9);
    await cluster.restart(n3);
  });

  it('aborts before the first moves, claims a threefold after a reload, and resigns with a confirmation', async () => {
    const [n1, n2] = cluster.nodes as [NodeHandle, NodeHandle, NodeHandle];
    const a = await newGame(n2, n1, '3+2');
    await a.black.locator('#abort').click();
    for (const p of [a.white, a.black]) await p.locator('#result', { hasText: 'Game aborted' }).waitFor();

    // A reloaded page keeps its seat (the token is in the browser) and carries on; the knights
    // go out and back twice, and the start position stands for the third time.
    const t = await newGame(n1, n2, '∞');
    const played: string[] = [];
    const shuffle = async (page: Page, uci: string, san: string): Promise<void> => {
      await clickMove(page, uci);
      played.push(san);
      for (const p of [t.white, t.black]) await waitForMoves(p, played);
    };
    await shuffle(t.white, 'g1f3', 'Nf3');
    await t.white.reload();
    await t.white.locator('.player.bottom .you').waitFor();
    await waitForMoves(t.white, played);
    await shuffle(t.black, 'g8f6', 'Nf6');
    await shuffle(t.white, 'f3g1', 'Ng1');
    await shuffle(t.black, 'f6g8', 'Ng8');
    await shuffle(t.white, 'g1f3', 'Nf3');
    await shuffle(t.black, 'g8f6', 'Nf6');
    assert.equal(await t.white.locator('#claim-draw').count(), 0, 'nothing to claim yet');
    await shuffle(t.white, 'f3g1', 'Ng1');
    await shuffle(t.black, 'f6g8', 'Ng8');
    await t.white.locator('#claim-draw', { hasText: 'threefold' }).click();
    for (const p of [t.white, t.black]) await p.locator('#result', { hasText: 'Draw by threefold repetition' }).waitFor();

    const r = await newGame(n1, n2, '1+0');
    await clickMove(r.white, 'g1f3');
    await waitForMoves(r.black, ['Nf3']);
    await clickMove(r.black, 'g8f6');
    await waitForMoves(r.white, ['Nf3', 'Nf6']);
    await r.white.locator('#resign').click();
    await r.white.locator('#resign', { hasText: 'Confirm' }).waitFor();
    assert.equal(await r.white.locator('#result').isVisible(), false, 'one click does not resign');
    await r.white.locator('#resign').click();
    for (const p of [r.white, r.black]) await p.locator('#result', { hasText: 'White resigned. Black wins.' }).waitFor();
  });
});
