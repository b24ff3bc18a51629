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
export const REPO = resolve(__dirname, '..', '..', '..');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ARTIFACTS = process.env['ARTIFACTS_DIR'] ?? join(REPO, 'test-artifacts', 'client');

/**
 * tsx compiles this file with esbuild's keepNames, which wraps named functions in a __name()
 * helper that the page does not have: give the page one (it only names functions) before
 * evaluating a function that defines named ones.
 */
async function allowNamedFunctions(page: Page): Promise<void> {
  await page.evaluate('globalThis.__name ??= (f) => f');
}

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

/**
 * Starts recording, in the page, every move the list shows as pending, with the connection state
 * at that moment; read the records with `pendingSeen`. A single look after a click could come too
 * early (the board reports a move on its next task) or too late (the answer already came), so the
 * page watches its own list from before the click.
 */
export async function recordPending(page: Page): Promise<void> {
  await allowNamedFunctions(page);
  await page.evaluate(() => {
    const seen: { san: string; conn: string | null }[] = [];
    (globalThis as unknown as { pendingSeen: typeof seen }).pendingSeen = seen;
    const look = (): void => {
      for (const el of document.querySelectorAll('#move-list .move[data-pending="true"]')) {
        const san = el.textContent ?? '';
        if (!seen.some((s) => s.san === san)) seen.push({ san, conn: document.querySelector('.conn')?.getAttribute('data-state') ?? null });
      }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    look();
  });
}

/** The pending moves the page has shown since `recordPending`, each with the connection state then. */
export function pendingSeen(page: Page): Promise<{ san: string; conn: string | null }[]> {
  return page.evaluate(() => (globalThis as unknown as { pendingSeen?: { san: string; conn: string | null }[] }).pendingSeen ?? []);
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
  // Let the board's move animation (180 ms) finish first.
  await page.waitForTimeout(300);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Text on the page whose contrast with its background is under WCAG AA: 4.5:1, or 3:1 for large
 * text (24 px, or 18.66 px bold). Disabled controls are exempt, as WCAG has it; the board's SVG
 * is not HTML text and is left out.
 */
export async function contrastProblems(page: Page): Promise<string[]> {
  await allowNamedFunctions(page);
  return page.evaluate(() => {
    const rgba = (s: string): number[] => (s.match(/[\d.]+/g) ?? ['0', '0', '0', '0']).map(Number).concat(s.startsWith('rgba') ? [] : [1]);
    const lum = ([r, g, b]: number[]): number => {
      const c = [r!, g!, b!].map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e !== null; e = e.parentElement) {
        const bg = rgba(getComputedStyle(e).backgroundColor);
        if (bg[3]! > 0.5) return bg;
      }
      return rgba(getComputedStyle(document.body).backgroundColor);
    };
    const problems: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const el = n.parentElement;
      if (el === null || (n.textContent ?? '').trim() === '' || el.closest('svg, .visually-hidden, [disabled]')) continue;
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || rect.width === 0 || rect.height === 0) continue;
      const fg = rgba(style.color);
      const ratio = (a: number, b: number): number => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const r = ratio(lum(fg), lum(background(el)));
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (r < (large ? 3 : 4.5)) problems.push(`${JSON.stringify((n.textContent ?? '').trim().slice(0, 30))} ${r.toFixed(2)}:1 (${style.color} on ${background(el).join(',')})`);
    }
    return problems;
  });
}

/** Whether the page is wider than its viewport (something a phone user would have to scroll sideways to). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}
