/** Waits until `cond` holds, checking every `pollMs`; throws, naming `what`, after `ms`. For tests. */
export async function until(cond: () => boolean, ms: number, what: string, pollMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
