import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrustedProxies } from './client-ip';

describe('TrustedProxies.clientAddress: whose address a per-IP limit counts', () => {
  const cases: { name: string; trust: string[]; peer: string; xff?: string; want: string }[] = [
    { name: 'no proxy trusted: the peer, whatever the header says', trust: [], peer: '203.0.113.9', xff: '1.2.3.4', want: '203.0.113.9' },
    { name: 'HAProxy on loopback: the address it forwarded', trust: ['loopback'], peer: '127.0.0.1', xff: '198.51.100.7', want: '198.51.100.7' },
    { name: 'an IPv4-mapped loopback peer is loopback', trust: ['loopback'], peer: '::ffff:127.0.0.1', xff: '198.51.100.7', want: '198.51.100.7' },
    { name: 'a client cannot spoof past the proxy: the rightmost untrusted hop wins', trust: ['loopback'], peer: '127.0.0.1', xff: '6.6.6.6, 198.51.100.7', want: '198.51.100.7' },
    { name: 'a chain of trusted proxies is walked', trust: ['loopback', '10.0.0.0/8'], peer: '127.0.0.1', xff: '198.51.100.7, 10.1.2.3', want: '198.51.100.7' },
    { name: 'an untrusted peer sending the header is not believed', trust: ['loopback'], peer: '192.0.2.5', xff: '198.51.100.7', want: '192.0.2.5' },
    { name: 'junk in the header stops the walk at the last good address', trust: ['loopback'], peer: '127.0.0.1', xff: 'not-an-ip', want: '127.0.0.1' },
    { name: 'no header: the peer', trust: ['loopback'], peer: '127.0.0.1', want: '127.0.0.1' },
    { name: 'IPv6 subnet', trust: ['fd00::/8'], peer: 'fd00::1', xff: '2001:db8::5', want: '2001:db8::5' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(new TrustedProxies(c.trust).clientAddress(c.peer, c.xff), c.want));

  it('knows which entries it takes', () => {
    for (const ok of ['loopback', '127.0.0.1', '10.0.0.0/8', 'fd00::/8', '::1']) assert.equal(TrustedProxies.valid(ok), true, ok);
    for (const bad of ['', 'localhost', '10.0.0.0/33', '10.0.0.0/8/1', 'fd00::/129', '1.2.3']) assert.equal(TrustedProxies.valid(bad), false, bad);
  });
});
