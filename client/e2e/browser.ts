import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The browser side of the client's end-to-end tests: Debian's Chromium driven by playwright-core
 * (no browser download: this machine has no internet), the client built by Vite into a
 * temporary folder, and helpers that act as a player does (clicks on squares, typed moves).
 */
export const REPO = resolve(__dirname, '..', '..');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ARTIFACTS = process.env['ARTIFACTS_DIR'] ?? join(REPO, 'test-artifacts', 'client');

/** Builds the client once per test file; returns the folder the nodes serve. */
export function buildClient(): string {
  const out = mkdtempSync(join(tmpdir(), 'rookery-client-'));
  const r = spawnSync(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', join(REPO, 'client'), '--logLevel', 'warn'], {
    env: { ...process.env, ROOKERY_CLIENT_OUT: out },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`vite build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return out;
}

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** Clicks the middle of a square of the board, wherever the board's orientation puts it. */
export async function clickSquare(page: Page, square: string): Promise<void> {
  const box = await page.locator(`#board .board [data-square="${square}"]`).first().boundingBox();
  if (box === null) throw new Error(`square ${square} is not on the page`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** Plays a move (UCI) by clicking its two squares, as a player does. */
export async function clickMove(page: Page, uci: string): Promise<void> {
  await clickSquare(page, uci.slice(0, 2));
  await clickSquare(page, uci.slice(2, 4));
}

/** The moves the page lists, in order, with a pending one marked by a trailing `?`. */
export function listedMoves(page: Page): Promise<string[]> {
  return page.$$eval('#move-list .move:not(.empty)', (els) => els.map((e) => (e.textContent ?? '') + (e.getAttribute('data-pending') === 'true' ? '?' : '')).filter((t) => t !== '…'));
}

/** Waits until the page lists exactly `sans` (all acknowledged). */
export async function waitForMoves(page: Page, sans: readonly string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await listedMoves(page);
    if (last.join(' ') === sans.join(' ')) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`the page lists [${last.join(' ')}], expected [${sans.join(' ')}]`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
