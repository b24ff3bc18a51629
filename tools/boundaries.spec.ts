import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { ESLint } from 'eslint';

// Lint is the fence between projects (DESIGN.md): these cases must fail it.
describe('module boundaries and purity are enforced by lint', () => {
  let eslint: ESLint;
  before(() => {
    // The boundary rule reads Nx's project graph; make sure it is computed.
    execFileSync('npx', ['nx', 'show', 'projects'], { env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
    eslint = new ESLint();
  });

  async function ruleIds(path: string, code: string): Promise<string[]> {
    const [res] = await eslint.lintText(code, { filePath: path });
    return res!.messages.map((m) => m.ruleId ?? m.message);
  }

  it('a library importing an application fails lint', async () => {
    const ids = await ruleIds('libs/raft/src/reach.ts', "import '../../../apps/raft-demo/src/main';\nexport const x = 1;\n");
    assert.ok(ids.includes('@nx/enforce-module-boundaries'), ids.join(', '));
  });

  it('the Raft core reaching for a clock, randomness, a timer or the console fails lint', async () => {
    const ids = await ruleIds(
      'libs/raft/src/core/impure.ts',
      'export const a = Date.now();\nexport const b = Math.random();\nexport const c = new Date();\nsetTimeout(() => a, 1);\nconsole.log(b, c);\n',
    );
    assert.deepEqual(ids.sort(), ['no-restricted-globals', 'no-restricted-globals', 'no-restricted-properties', 'no-restricted-properties', 'no-restricted-syntax'].sort());
  });

  it('the Raft core importing Node IO fails lint', async () => {
    const ids = await ruleIds('libs/raft/src/core/io.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
    assert.ok(ids.includes('no-restricted-imports'), ids.join(', '));
  });

  it('NestJS is allowed in libs/raft only in its RaftModule wrapper', async () => {
    const code = "import { Module } from '@nestjs/common';\nexport const M = Module;\n";
    assert.ok((await ruleIds('libs/raft/src/node/nest-creep.ts', code)).includes('@nx/enforce-module-boundaries'));
    assert.deepEqual(await ruleIds('libs/raft/src/nest/other.ts', code), []);
  });

  it('the chess state machine reaching for a clock or randomness, or importing Raft, NestJS or rxjs, fails lint', async () => {
    const impure = await ruleIds('libs/chess-fsm/src/impure.ts', 'export const a = Date.now();\nexport const b = Math.random();\n');
    assert.deepEqual(impure.sort(), ['no-restricted-properties', 'no-restricted-properties']);
    for (const module of ['@rookery/raft', '@nestjs/common', 'rxjs']) {
      const ids = await ruleIds('libs/chess-fsm/src/reach.ts', `import * as m from '${module}';\nexport const x = m;\n`);
      assert.ok(ids.includes('@nx/enforce-module-boundaries'), `${module}: ${ids.join(', ')}`);
    }
  });

  it('the same code outside the core is allowed (the runtime may use a clock)', async () => {
    const ids = await ruleIds('libs/raft/src/runtime-clock.ts', 'export const a = Date.now();\n');
    assert.deepEqual(ids, []);
  });
});
