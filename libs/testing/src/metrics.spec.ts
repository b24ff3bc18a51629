import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricOf } from './metrics';

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
