import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { netnsAllowed } from './netns';
import { REPO } from './nodes';
import { runChaos } from './run';

/**
 * The short version of `npm run chaos`, for CI: one schedule on a 3-node cluster with per-link
 * proxies, one on a 5-node cluster in network namespaces (proxies too where namespaces are not
 * allowed), each 8 s of players and faults, then healed and checked. CHAOS_SEED picks other
 * schedules (even seeds are 3-node ones).
 */

const SEED = Number(process.env['CHAOS_SEED'] ?? 7100);
const SEED3 = SEED - (SEED % 2);

async function schedule(seed: number, network: 'proxy' | 'netns'): Promise<void> {
  const lines: string[] = [];
  const s = await runChaos({ schedules: 1, seed, durationMs: 8000, network, out: join(REPO, 'bench', 'results', 'chaos'), print: (l) => lines.push(l) });
  lines.push(s.lastLine);
  assert.equal(s.failed.length, 0, lines.join('\n'));
  assert.match(s.lastLine, /, 0 lost, 0 duplicated, 0 illegal, linearizable: yes$/, lines.join('\n'));
  assert.ok(s.acked > 50, `only ${s.acked} acknowledged commands: the players barely played\n${lines.join('\n')}`);
}

describe('chaos, short: real node processes under kill -9, pauses, partitions and strikes; every game checked', () => {
  it('3 nodes behind per-link TCP proxies', { timeout: 90_000 }, () => schedule(SEED3, 'proxy'));
  it(`5 nodes in ${netnsAllowed() ? 'network namespaces' : 'per-link TCP proxies (no network namespaces here)'}`, { timeout: 90_000 }, () => schedule(SEED3 + 1, netnsAllowed() ? 'netns' : 'proxy'));
});
