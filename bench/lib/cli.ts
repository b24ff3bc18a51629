import { execFileSync } from 'node:child_process';

/** The standalone entry of a benchmark part: `--name value` flags, progress on stderr, the result as JSON on stdout. */

/** The value after `--name` on the command line, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

export function numberFlag(name: string, fallback: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} takes a number ≥ 0, not ${flag(name, '')}`);
  return v;
}

/** Refuses to start when the open-file limit (`ulimit -n`) cannot hold `need` descriptors in one process. */
export function checkFileLimit(need: number, what: string): void {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (Number.isFinite(limit) && limit < need) throw new Error(`${what}: ulimit -n is ${limit}; it needs about ${need} (raise it: ulimit -n ${need})`);
}

/** Runs `part`, printing its progress (stderr) and result (stdout); exits 1 with the error on failure. */
export function runStandalone<T>(name: string, part: (progress: (msg: string) => void) => Promise<T>): void {
  const t0 = Date.now();
  part((msg) => process.stderr.write(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s: ${msg}\n`))
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.stderr.write(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      process.exit(0);
    })
    .catch((e: unknown) => {
      process.stderr.write(`${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    });
}
