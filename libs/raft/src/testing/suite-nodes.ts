import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { RaftNode } from '../node/raft-node';

/**
 * The data directories and nodes a test suite makes, stopped and removed after it: call it in
 * a `describe`. `dir(tag)` makes a temporary directory named from `prefix` and `tag`; a node
 * put in `nodes` (or through `keep`) is stopped.
 */
export function suiteNodes(prefix: string): { nodes: RaftNode[]; dir(tag?: string): string; keep<T extends RaftNode>(node: T): T } {
  const dirs: string[] = [];
  const nodes: RaftNode[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    nodes,
    dir(tag = '') {
      const d = mkdtempSync(join(tmpdir(), `${prefix}${tag}`));
      dirs.push(d);
      return d;
    },
    keep(node) {
      nodes.push(node);
      return node;
    },
  };
}
