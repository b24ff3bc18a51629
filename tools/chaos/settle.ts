import type { Admin, AdminStatus } from './admin';
import type { Faults } from './faults';
import { sameView, type FinalView } from './history';
import type { NodeHandle, NodeSet } from './nodes';
import type { Recorder } from './recorder';
import { httpView } from './wire';

/**
 * After the faults are mended: the cluster must elect a leader, settle its membership, and every
 * member must apply all that was committed — within bounds, or the schedule fails (a cluster
 * that does not recover is a finding too). Then every member is asked for every game.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for a leader whose membership every running member shares; takes out nodes it no longer counts. Problems, if any. */
export async function settleMembership(nodes: NodeSet, admin: Admin, faults: Faults, timeoutMs = 30_000): Promise<string[]> {
  const start = Date.now();
  let leader: { node: NodeHandle; status: AdminStatus } | undefined;
  while (Date.now() < start + timeoutMs) {
    leader = await admin.leader(nodes.up());
    // A membership change still in flight (a learner not yet promoted) settles by itself; wait for it a little.
    if (leader !== undefined && (leader.status.membership.learners.length === 0 || Date.now() > start + 8000)) break;
    await sleep(200);
  }
  if (leader === undefined) return [`no leader within ${timeoutMs} ms of healing`];
  const counted = new Set([...leader.status.membership.voters, ...leader.status.membership.learners]);
  for (const n of nodes.members()) {
    if (counted.has(n.id)) continue;
    // Taken out (a removal that committed after the harness stopped waiting, or a join that never completed).
    faults.note(`${n.id} is not in the membership after healing (${[...counted].join(',')}): stopped`);
    n.removed = true;
    await faults.kill(n, '(not a member)');
  }
  const missing = [...counted].filter((id) => nodes.byId(id)?.proc === undefined);
  return missing.length > 0 ? [`members ${missing.join(',')} are not running after healing`] : [];
}

/** Waits until every member has applied what the leader had committed when asked. */
export async function waitApplied(nodes: NodeSet, admin: Admin, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const leader = await admin.leader(nodes.up(), 2000);
  if (leader === undefined) return ['no leader to read the commit index from'];
  const target = leader.status.commit;
  let behind: string[] = [];
  while (Date.now() < deadline) {
    const statuses = await Promise.all(nodes.members().map(async (n) => ({ n, s: await admin.status(n) })));
    behind = statuses.filter(({ s }) => s === undefined || s.appliedIndex < target).map(({ n, s }) => `${n.id} applied ${s?.appliedIndex ?? '?'} of ${target}`);
    if (behind.length === 0) return [];
    await sleep(100);
  }
  return [`members did not catch up within ${timeoutMs} ms: ${behind.join('; ')}`];
}

/**
 * Every member's view of every game, asked again (briefly) while they disagree — an entry
 * committed at the last moment may be applied here before there. The window is when the final
 * reads were made: the checker places each game's final read in it.
 */
export async function finalViews(nodes: NodeSet, games: readonly string[], rec: Recorder, timeoutMs = 10_000): Promise<{ finals: FinalView[]; window: { invoke: number; complete: number } }> {
  const deadline = Date.now() + timeoutMs;
  const invoke = rec.now();
  let finals: FinalView[] = [];
  for (;;) {
    finals = [];
    for (const game of games) {
      const views = await Promise.all(nodes.members().map(async (n) => ({ game, node: n.id, view: (await httpView(n, game, 3000))?.view })));
      finals.push(...views);
    }
    const agreed = games.every((g) => {
      const vs = finals.filter((f) => f.game === g);
      return vs.every((f) => f.view !== undefined && sameView(f.view, vs[0]!.view));
    });
    if (agreed || Date.now() > deadline) break;
    await sleep(250);
  }
  return { finals, window: { invoke, complete: rec.now() } };
}
