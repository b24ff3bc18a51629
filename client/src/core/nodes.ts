/**
 * The nodes a client may talk to, in the order it tries them. Behind HAProxy it is one URL (the
 * page's own origin) and every reconnect goes there; run locally, it is every node of the
 * cluster, starting with the one that served the page, and a failed or draining node sends the
 * client on to the next.
 */
export class NodeList {
  private readonly urls: string[];
  private index = 0;

  constructor(origin: string, others: readonly string[] = []) {
    const seen = new Set<string>();
    this.urls = [origin, ...others].map(normalize).filter((u) => (seen.has(u) ? false : (seen.add(u), true)));
  }

  get current(): string {
    return this.urls[this.index]!;
  }

  get size(): number {
    return this.urls.length;
  }

  /** Moves on to the next node (wrapping around) and returns it. */
  advance(): string {
    this.index = (this.index + 1) % this.urls.length;
    return this.current;
  }

  all(): readonly string[] {
    return this.urls;
  }
}

function normalize(url: string): string {
  return url.replace(/\/+$/, '');
}
