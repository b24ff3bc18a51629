import { BlockList, isIP } from 'node:net';

/**
 * Which proxies' word about the client address is taken (TRUST_PROXY): HAProxy adds
 * `X-Forwarded-For`; a limit per client IP must count the browser, not HAProxy. Entries are
 * addresses, subnets (`10.0.0.0/8`) or `loopback`.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly any: boolean;

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      if (e === 'loopback') {
        this.list.addSubnet('127.0.0.0', 8, 'ipv4');
        this.list.addAddress('::1', 'ipv6');
      } else if (e.includes('/')) {
        const [net, bits] = e.split('/');
        this.list.addSubnet(net!, Number(bits), isIP(net!) === 6 ? 'ipv6' : 'ipv4');
      } else this.list.addAddress(e, isIP(e) === 6 ? 'ipv6' : 'ipv4');
    }
    this.any = entries.length > 0;
  }

  /** Whether `entry` is something the constructor takes. */
  static valid(entry: string): boolean {
    if (entry === 'loopback') return true;
    const [net, bits, more] = entry.split('/');
    if (more !== undefined || isIP(net ?? '') === 0) return false;
    if (bits === undefined) return true;
    const max = isIP(net!) === 6 ? 128 : 32;
    return /^\d+$/.test(bits) && Number(bits) <= max;
  }

  trusts(address: string): boolean {
    const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(a);
    return family !== 0 && this.list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client's address: the peer's, unless the peer is a trusted proxy; then the
   * X-Forwarded-For entries from the right, skipping trusted proxies, as far as the chain holds.
   */
  clientAddress(peer: string, forwardedFor: string | string[] | undefined): string {
    if (!this.any || forwardedFor === undefined) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    let addr = peer;
    while (this.trusts(addr) && hops.length > 0) {
      const next = hops.pop()!;
      if (isIP(next) === 0) break;
      addr = next;
    }
    return addr;
  }
}
