import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatTranscript, parseTranscript, TranscriptEnv } from './testing/transcript';

// Each file in testdata/ is a scenario with its expected output; REWRITE=1 regenerates them
// (then read the diff: that is the review).
const dir = join(__dirname, '..', 'testdata');
const rewrite = process.env.REWRITE === '1';

describe('raft transcripts', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(file, () => {
      const path = join(dir, file);
      const blocks = parseTranscript(readFileSync(path, 'utf8'));
      assert.ok(blocks.length > 0, `${file} has no steps`);
      const env = new TranscriptEnv();
      const actual = blocks.map((b) => ({ ...b, expected: env.run(b.command) }));
      if (rewrite) {
        writeFileSync(path, formatTranscript(actual));
        return;
      }
      for (let i = 0; i < blocks.length; i++) {
        assert.equal(actual[i]!.expected, blocks[i]!.expected, `${file}, step ${i + 1}: ${blocks[i]!.command}`);
      }
    });
  }
});
