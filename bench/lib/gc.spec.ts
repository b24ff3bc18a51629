import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestCluster } from '@rookery/testing';
import { gcBetween, gcText, gcTotals, gcTotalsOf, watchGc } from './gc';

/** Scrapes of a node's /metrics, each some tens of KB of garbage: far more than a collection takes (7–20 did it here). */
const MAX_SCRAPES = 5000;

describe('the bench’s garbage-collection figures', () => {
  const text = [
    '# TYPE rookery_process_nodejs_gc_duration_seconds histogram',
    'rookery_process_nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} 30',
    'rookery_process_nodejs_gc_duration_seconds_sum{kind="minor"} 0.125',
    'rookery_process_nodejs_gc_duration_seconds_count{kind="minor"} 31',
    'rookery_process_nodejs_gc_duration_seconds_sum{kind="incremental"} 0.008',
    'rookery_process_nodejs_gc_duration_seconds_count{kind="incremental"} 26',
    'rookery_process_nodejs_gc_duration_seconds_sum{kind="major"} 0.0215',
    'rookery_process_nodejs_gc_duration_seconds_count{kind="major"} 2',
    '',
  ].join('\n');

  it("sums every kind's collecting time, and counts the full collections", () => {
    const t = gcTotalsOf(text);
    assert.equal(Math.round(t.ms * 10) / 10, 154.5);
    assert.equal(t.major, 2);
    assert.deepEqual(gcTotalsOf(''), { ms: 0, major: 0 });
  });

  it('gives each node its collecting time per second and its full collections between two readings', () => {
    const from = [{ ms: 100, major: 1 }, { ms: 50, major: 0 }, { ms: 70, major: 3 }];
    const to = [{ ms: 220, major: 3 }, { ms: 80, major: 0 }, { ms: 70, major: 3 }];
    assert.deepEqual(gcBetween(from, to, 12_000), [
      { msPerSec: 10, major: 2 },
      { msPerSec: 2.5, major: 0 },
      { msPerSec: 0, major: 0 },
    ]);
    assert.equal(gcText(gcBetween(from, to, 12_000)), 'GC: leader 10 ms/s (2 full), followers 2.5 and 0 ms/s (0 and 0 full)');
  });

  describe('against a real node', () => {
    let cluster: TestCluster;
    before(async () => {
      cluster = await TestCluster.start(1);
      await cluster.waitReady();
    });
    after(() => cluster.stop());

    it("reads the node's own GC histogram off its /metrics, and sees the node collect the garbage it was made to make", async () => {
      const url = cluster.nodes[0]!.url;
      const watch = watchGc([url]);
      // Garbage on the node until it collects after watchGc's first reading: every scrape builds its text and drops it.
      const [start] = await gcTotals([url]);
      let scrapes = 0;
      for (let ms = start!.ms; scrapes < MAX_SCRAPES && ms === start!.ms; scrapes++) ms = gcTotalsOf(await fetch(`${url}/metrics`).then((r) => r.text())).ms;
      assert.ok(scrapes < MAX_SCRAPES, `${MAX_SCRAPES} scrapes of /metrics and the node collected nothing`);
      const [gc] = await watch.stop();
      assert.ok(gc!.msPerSec > 0, `the node collected after ${scrapes} scrapes, and watchGc saw none of it: ${JSON.stringify(gc)}`);
    });

    it('reads a node that does not answer as none', async () => {
      assert.deepEqual(await gcTotals(['http://127.0.0.1:1']), [{ ms: 0, major: 0 }]);
    });
  });
});
