import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { copyParts, envOf, execWords, stages, type Instruction, type Stage } from './dockerfile';
import { ignored, type Lock, type parseDockerignore } from './image-checks';

/**
 * A stage's WORKDIR laid out in a folder without Docker, from the same context files (minus
 * what .dockerignore leaves out) and the same packages: the build stage, to run its client
 * build; the runtime stage, to start a node from exactly what the image ships — its sources, the
 * production packages (package-lock.json's non-dev entries) plus what it copies from the full
 * install, and the client the build stage made.
 */
type Rules = ReturnType<typeof parseDockerignore>;

/** The stage and the stages it is built FROM, oldest first. */
function lineage(all: readonly Stage[], name: string): Stage[] {
  const st = all.find((s) => s.name === name);
  if (st === undefined) return [];
  return st.image !== name && all.some((s) => s.name === st.image) ? [...lineage(all, st.image), st] : [st];
}

function workdirOf(chain: readonly Stage[]): string {
  for (const st of [...chain].reverse()) {
    const w = st.instructions.filter((i) => i.keyword === 'WORKDIR').pop();
    if (w !== undefined) return w.args.trim();
  }
  return '/';
}

/** Copies the context files a chain of stages COPYs (no `--from`) into `root`, their WORKDIR. */
function copyContext(repo: string, chain: readonly Stage[], rules: Rules, root: string): (dest: string) => string {
  const workdir = workdirOf(chain);
  const at = (dest: string): string => join(root, dest.startsWith('/') ? relative(workdir, dest) : dest);
  for (const st of chain) {
    for (const ins of st.instructions.filter((i) => i.keyword === 'COPY')) {
      const c = copyParts(ins.args);
      if (c.from !== undefined) continue;
      for (const s of c.sources) {
        const dest = c.dest.endsWith('/') || c.sources.length > 1 ? join(c.dest, s.split('/').pop()!) : c.dest;
        cpSync(join(repo, s), at(dest), { recursive: true, filter: (p) => !ignored(rules, relative(repo, p)) });
      }
    }
  }
  return at;
}

export interface BuildTree {
  root: string;
  /** The stage's own RUN commands (not its parents' installs), for the caller to run in `root`. */
  runs: string[][];
}

/** The build stage: its context files, the full install (what `npm ci` makes) as node_modules. */
export function layOutBuild(repo: string, dockerfile: readonly Instruction[], rules: Rules, root: string, stage = 'build'): BuildTree {
  const chain = lineage(stages(dockerfile), stage);
  if (chain.length === 0) throw new Error(`the Dockerfile has no stage ${stage}`);
  copyContext(repo, chain, rules, root);
  link(join(repo, 'node_modules'), join(root, 'node_modules'));
  return { root, runs: chain[chain.length - 1]!.instructions.filter((i) => i.keyword === 'RUN').map((i) => execWords(i.args.replace(/^(--\S+\s+)+/, ''))) };
}

export interface RuntimeTree {
  root: string;
  /** The image's CMD, its WORKDIR paths moved to `root`. */
  command: string[];
  /** The image's HEALTHCHECK command. */
  healthcheck: string[];
  /** The image's ENV. */
  env: Record<string, string>;
}

/** The runtime stage; `built` maps another stage's name to where its WORKDIR was laid out. */
export function layOutRuntime(repo: string, dockerfile: readonly Instruction[], lock: Lock, rules: Rules, root: string, built: Record<string, string>): RuntimeTree {
  const all = stages(dockerfile);
  const final = all[all.length - 1]!;
  const workdir = workdirOf([final]);
  const at = copyContext(repo, [final], rules, root);

  mkdirSync(join(root, 'node_modules'), { recursive: true });
  for (const ins of final.instructions.filter((i) => i.keyword === 'COPY')) {
    const c = copyParts(ins.args);
    if (c.from === undefined) continue;
    const fromWorkdir = workdirOf(lineage(all, c.from)).replace(/\/?$/, '/');
    for (const s of c.sources) {
      const inStage = (s.startsWith(fromWorkdir) ? s.slice(fromWorkdir.length) : s).replace(/\/$/, '');
      if (inStage === 'node_modules') {
        // A whole node_modules is the pruned one (image-checks makes sure some stage prunes):
        // the production tree, package-lock.json's non-dev entries (nested ones come with their parents).
        for (const [path, entry] of Object.entries(lock.packages)) {
          if (entry.dev !== true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path)) link(join(repo, path), join(root, path));
        }
      } else if (inStage.startsWith('node_modules/')) {
        // The full install is the repository's own: link what the stage takes from it. A scope
        // folder (node_modules/@esbuild) may already hold production packages: link its members.
        if (/^node_modules\/@[^/]+$/.test(inStage)) for (const name of readdirSync(join(repo, inStage))) link(join(repo, inStage, name), join(root, inStage, name));
        else link(join(repo, inStage), join(root, inStage));
      } else if (built[c.from] !== undefined) cpSync(join(built[c.from]!, inStage), at(c.dest), { recursive: true });
      else throw new Error(`the runtime stage copies ${s} from ${c.from}, which was not laid out`);
    }
  }

  const inRoot = (w: string): string => (w.startsWith(`${workdir}/`) ? at(w) : w);
  const cmd = final.instructions.filter((i) => i.keyword === 'CMD').pop();
  const hc = final.instructions.filter((i) => i.keyword === 'HEALTHCHECK').pop();
  const hcCmd = hc === undefined ? undefined : /\bCMD\s+(.*)$/.exec(hc.args)?.[1];
  return {
    root,
    command: (cmd === undefined ? [] : execWords(cmd.args)).map(inRoot),
    healthcheck: (hcCmd === undefined ? [] : execWords(hcCmd)).map(inRoot),
    env: Object.fromEntries(envOf(final.instructions)),
  };
}

function link(target: string, path: string): void {
  if (!existsSync(target) || existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path, 'dir');
}
