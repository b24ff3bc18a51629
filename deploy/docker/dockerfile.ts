/**
 * Enough of a Dockerfile reader to check one statically (no Docker engine runs here): the
 * instructions, with line continuations joined and comments dropped, grouped into stages.
 */
export interface Instruction {
  /** Upper case: FROM, COPY, RUN, … */
  keyword: string;
  /** What follows the keyword, continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The `AS` name, or the stage's index as a string. */
  name: string;
  image: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let pending: { text: string; line: number } | undefined;
  for (const [i, raw] of lines.entries()) {
    const trimmed = raw.trim();
    // Comments (and parser directives) are whole lines, also inside a continuation.
    if (trimmed.startsWith('#')) continue;
    if (pending === undefined && trimmed === '') continue;
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending === undefined ? { text: part, line: i + 1 } : { text: `${pending.text} ${part}`.trim(), line: pending.line };
    if (continues) continue;
    const m = /^(\S+)\s*(.*)$/.exec(pending.text);
    if (m !== null) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: pending.line });
    pending = undefined;
  }
  return out;
}

export function stages(instructions: readonly Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      out.push({ name: as >= 0 ? words[as + 1]! : String(out.length), image: words[0]!, instructions: [] });
    } else if (out.length > 0) {
      out[out.length - 1]!.instructions.push(ins);
    }
  }
  return out;
}

/** An exec-form (`["a", "b"]`) argument list as its words; a shell form as `sh -c` would get it. */
export function execWords(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) {
    const v = JSON.parse(t) as unknown;
    if (!Array.isArray(v) || !v.every((w) => typeof w === 'string')) throw new Error(`not an exec form: ${args}`);
    return v;
  }
  return ['/bin/sh', '-c', t];
}

/** `COPY [--from=x] [--chown=…] src… dest`, its flags apart. */
export function copyParts(args: string): { from: string | undefined; sources: string[]; dest: string } {
  const words = args.trim().startsWith('[') ? execWords(args) : args.trim().split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1] ?? '' };
}

/** The ports of `EXPOSE 8001 7001/tcp …`. */
export function exposedPorts(instructions: readonly Instruction[]): number[] {
  return instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.split('/')[0])));
}

/** `ENV A=1 B=2` and the legacy `ENV A 1`, as a map. */
export function envOf(instructions: readonly Instruction[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const ins of instructions.filter((i) => i.keyword === 'ENV')) {
    if (!ins.args.includes('=')) {
      const [k, ...v] = ins.args.split(/\s+/);
      env.set(k!, v.join(' '));
      continue;
    }
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env.set(m[1]!, m[3] ?? m[2]!);
  }
  return env;
}
