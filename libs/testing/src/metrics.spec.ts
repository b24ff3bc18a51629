import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricOf, metricSeries } from './metrics';

describe('metricOf', () => {
  const text = [
    '# HELP rookery_raft_snapshot_index Index of the newest snapshot.',
    '# TYPE rookery_raft_snapshot_index gauge',
    'rookery_raft_snapshot_index 4096',
    'rookery_raft_snapshot_index_bytes 123',
    'rookery_moves_total{result="ok"} 17',
    'rookery_moves_total 18',
    'rookery_process_nodejs_eventloop_lag_p99_seconds 0.0193 1700000000000',
    'rookery_up +Inf',
    '',
  ].join('\n');

  it("reads an unlabelled sample's value, with or without a timestamp", () => {
    assert.equal(metricOf(text, 'rookery_raft_snapshot_index'), 4096);
    assert.equal(metricOf(text, 'rookery_process_nodejs_eventloop_lag_p99_seconds'), 0.0193);
    assert.equal(metricOf(text, 'rookery_up'), Infinity);
  });

  it('takes neither a labelled series nor a longer name for it', () => {
    assert.equal(metricOf(text, 'rookery_moves_total'), 18);
    assert.equal(metricOf(text, 'rookery_raft_snapshot_index_bytes'), 123);
    assert.equal(metricOf(text.replace('rookery_moves_total 18\n', ''), 'rookery_moves_total'), undefined);
  });

  it('is undefined for a name the text does not have, or an empty text', () => {
    assert.equal(metricOf(text, 'rookery_raft_term'), undefined);
    assert.equal(metricOf('', 'rookery_raft_snapshot_index'), undefined);
  });
});

describe('metricSeries', () => {
  const text = [
    '# HELP rookery_process_nodejs_gc_duration_seconds Garbage collection duration by kind.',
    '# TYPE rookery_process_nodejs_gc_duration_seconds histogram',
    'rookery_process_nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} 30',
    'rookery_process_nodejs_gc_duration_seconds_sum{kind="minor"} 0.125',
    'rookery_process_nodejs_gc_duration_seconds_count{kind="minor"} 31',
    'rookery_process_nodejs_gc_duration_seconds_sum{kind="major"} 0.0215 1700000000000',
    'rookery_process_nodejs_gc_duration_seconds_count{kind="major"} 2',
    'rookery_moves_total 18',
    'rookery_moves_total_created 5',
    '',
  ].join('\n');

  it('reads each labelled sample of a name, keyed by its labels, with or without a timestamp', () => {
    const sums = metricSeries(text, 'rookery_process_nodejs_gc_duration_seconds_sum');
    assert.deepEqual([...sums], [['kind="minor"', 0.125], ['kind="major"', 0.0215]]);
    assert.deepEqual([...metricSeries(text, 'rookery_process_nodejs_gc_duration_seconds_count')], [['kind="minor"', 31], ['kind="major"', 2]]);
  });

  it("keys the unlabelled sample by '' and takes no longer name for this one", () => {
    assert.deepEqual([...metricSeries(text, 'rookery_moves_total')], [['', 18]]);
    assert.deepEqual([...metricSeries(text, 'rookery_process_nodejs_gc_duration_seconds')], []);
  });

  it('is empty for a name the text does not have', () => {
    assert.equal(metricSeries(text, 'rookery_raft_term').size, 0);
    assert.equal(metricSeries('', 'rookery_moves_total').size, 0);
  });
});
