import { copyParts, envOf, execWords, stages, type Instruction } from './dockerfile';

/**
 * What deploy/docker.spec.ts checks of deploy/Dockerfile and the root .dockerignore, one
 * function per promise, each answering the problems it found.
 */

/** The image's own checks: stages, user, healthcheck, stop signal, command, volume. */
export function imageProblems(dockerfile: readonly Instruction[], healthScript: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  const all = stages(dockerfile);
  if (all.length < 2) problems.push(`${all.length} FROM: not a multi-stage build`);
  const runs = (cmd: RegExp): boolean => all.some((st) => st.instructions.some((i) => i.keyword === 'RUN' && cmd.test(i.args)));
  if (!runs(/\bnpm ci\b/)) problems.push('no stage installs with npm ci');
  if (!runs(/\bnpm run build:client\b/)) problems.push('no stage builds the client (npm run build:client)');
  const final = all[all.length - 1];
  if (final === undefined) return problems;
  const last = (k: string): Instruction | undefined => final.instructions.filter((i) => i.keyword === k).pop();
  if (!/-slim\b|alpine|distroless/.test(final.image)) problems.push(`the runtime stage is ${final.image}, not a slim image`);
  const user = last('USER')?.args.trim().split(':')[0];
  if (user === undefined || user === 'root' || user === '0') problems.push(`the runtime stage runs as ${user ?? 'root (no USER)'}`);
  const hc = last('HEALTHCHECK');
  const hcCmd = hc === undefined ? undefined : /\bCMD\s+(.*)$/.exec(hc.args)?.[1];
  if (hcCmd === undefined) problems.push('the runtime stage has no HEALTHCHECK');
  else {
    const words = execWords(hcCmd);
    const script = words.find((w) => w.endsWith('.mjs') || w.endsWith('.js'));
    const text = script === undefined ? words.join(' ') : (healthScript(script) ?? '');
    if (!text.includes('/health/live') || text.includes('/health/ready')) problems.push(`the HEALTHCHECK does not ask /health/live (and only it): ${words.join(' ')}`);
    if (script !== undefined && !final.instructions.some((i) => i.keyword === 'COPY' && copyParts(i.args).dest === script)) problems.push(`the HEALTHCHECK runs ${script}, which the runtime stage does not copy`);
  }
  if (last('STOPSIGNAL')?.args.trim() !== 'SIGTERM') problems.push('STOPSIGNAL is not SIGTERM (the signal that drains)');
  const cmd = last('CMD');
  const words = cmd === undefined ? [] : execWords(cmd.args);
  if (!words.includes('apps/server/src/main.ts')) problems.push(`the CMD does not run apps/server/src/main.ts: ${words.join(' ')}`);
  if (!(words.join(' ').includes('--import tsx') || words[0] === 'tsx')) problems.push('the CMD does not run the sources with tsx');
  const clientDir = words[words.indexOf('--client-dir') + 1];
  const built = final.instructions.find((i) => i.keyword === 'COPY' && copyParts(i.args).sources.some((s) => s.endsWith('client/dist')));
  const workdir = last('WORKDIR')?.args.trim() ?? '/';
  const builtAt = built === undefined ? undefined : absolute(workdir, copyParts(built.args).dest);
  if (!words.includes('--client-dir') || builtAt === undefined || clientDir !== builtAt) problems.push(`--client-dir is ${clientDir}, but the built client is copied to ${builtAt}`);
  const volumes = final.instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => (i.args.trim().startsWith('[') ? execWords(i.args) : i.args.split(/\s+/)));
  const dataDir = envOf(final.instructions).get('DATA_DIR');
  if (dataDir === undefined || !volumes.includes(dataDir)) problems.push(`the runtime stage's VOLUME (${volumes.join(' ') || 'none'}) is not its DATA_DIR ${dataDir}`);
  return problems;
}

function absolute(workdir: string, p: string): string {
  return (p.startsWith('/') ? p : `${workdir.replace(/\/$/, '')}/${p}`).replace(/\/$/, '');
}

/** package-lock.json, the part read here. */
export interface Lock {
  packages: Record<string, { version?: string; dev?: boolean; os?: string[]; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
}

/** The lock paths of a package and everything it needs on Linux, as npm laid them out. */
export function lockedClosure(lock: Lock, root: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    const entry = lock.packages[path];
    if (entry === undefined) return;
    seen.add(path);
    const deps = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const name of Object.keys(deps)) {
      const found = resolveIn(lock, path, name);
      // An optional dependency for another platform (fsevents, esbuild's darwin binary) is not installed.
      if (found !== undefined && (lock.packages[found]!.os ?? ['linux']).includes('linux')) visit(found);
    }
  };
  visit(root);
  return [...seen];
}

/** Node's lookup: `<from>/node_modules/<name>`, then each enclosing node_modules up to the root. */
function resolveIn(lock: Lock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir}/node_modules/${name}`.replace(/^\//, '');
    if (lock.packages[candidate] !== undefined) return candidate;
    const up = dir.lastIndexOf('/node_modules/');
    if (up < 0) return lock.packages[`node_modules/${name}`] !== undefined ? `node_modules/${name}` : undefined;
    dir = dir.slice(0, up);
  }
}

/**
 * The runtime stage has the production tree; whatever else the CMD needs (tsx, a devDependency)
 * must be copied from the full install: every dev-only package of tsx's locked closure.
 */
export function tsxProblems(dockerfile: readonly Instruction[], lock: Lock): string[] {
  const all = stages(dockerfile);
  const final = all[all.length - 1];
  if (final === undefined) return ['no stages'];
  const problems: string[] = [];
  const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => copyParts(i.args));
  // A stage's WORKDIR, or the one of the stage it is built FROM.
  const workdir = (name: string | undefined): string => {
    const st = all.find((s) => s.name === name);
    const own = st?.instructions.filter((i) => i.keyword === 'WORKDIR').pop()?.args.trim();
    return own ?? (st !== undefined && st.image !== name && all.some((s) => s.name === st.image) ? workdir(st.image) : '/');
  };
  const fromStage = (name: string | undefined): string => workdir(name).replace(/\/?$/, '/');
  const copied = copies.filter((c) => c.from !== undefined).flatMap((c) => c.sources.map((s) => s.replace(fromStage(c.from), '').replace(/\/$/, '')));
  if (!copied.includes('node_modules')) problems.push('the runtime stage copies no production node_modules');
  const prune = all.some((st) => st.instructions.some((i) => i.keyword === 'RUN' && /npm (prune|ci) [^&]*--omit=dev/.test(i.args)));
  if (!prune) problems.push('no stage leaves out the dev dependencies (npm prune --omit=dev or npm ci --omit=dev)');
  if (lock.packages['node_modules/tsx'] === undefined) return [...problems, 'package-lock.json locks no tsx'];
  for (const path of lockedClosure(lock, 'node_modules/tsx')) {
    if (lock.packages[path]!.dev !== true) continue;
    if (!copied.some((c) => c !== 'node_modules' && (path === c || path.startsWith(`${c}/`)))) problems.push(`tsx needs ${path} (${lock.packages[path]!.version}), which the runtime stage does not copy`);
  }
  return problems;
}

/** A .dockerignore as (pattern, excludes?) pairs, in order: the last match wins. */
export function parseDockerignore(text: string): { re: RegExp; exclude: boolean; pattern: string }[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exclude = !l.startsWith('!');
      const pattern = (exclude ? l : l.slice(1)).replace(/^\.?\/+/, '').replace(/\/+$/, '');
      return { re: globToRegExp(pattern), exclude, pattern };
    });
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of folders, none included.
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether the context leaves `path` out: it, or a folder it is in, matched last by an exclusion. */
export function ignored(rules: ReturnType<typeof parseDockerignore>, path: string): boolean {
  const parts = path.replace(/^\.?\/+/, '').replace(/\/+$/, '').split('/');
  for (let n = 1; n <= parts.length; n++) {
    const p = parts.slice(0, n).join('/');
    let out = false;
    for (const r of rules) if (r.re.test(p)) out = r.exclude;
    if (out) return true;
  }
  return false;
}

export function dockerignoreProblems(dockerfile: readonly Instruction[], ignoreText: string | undefined): string[] {
  if (ignoreText === undefined) return ['no .dockerignore at the root of the build context'];
  const rules = parseDockerignore(ignoreText);
  const problems: string[] = [];
  for (const st of stages(dockerfile)) {
    for (const i of st.instructions.filter((x) => x.keyword === 'COPY')) {
      const c = copyParts(i.args);
      if (c.from !== undefined) continue;
      for (const s of c.sources) if (ignored(rules, s)) problems.push(`line ${i.line} copies ${s}, which .dockerignore leaves out of the context`);
    }
  }
  // What must never reach the context: host-built modules and output, the data, the secrets.
  for (const p of ['node_modules', 'client/node_modules', 'client/dist', 'data', '.git', 'deploy/.env']) if (!ignored(rules, p)) problems.push(`.dockerignore lets ${p} into the build context`);
  return problems;
}
