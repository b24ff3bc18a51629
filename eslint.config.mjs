import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries (DESIGN.md): libraries never import apps; libs/raft imports no chess code;
// libs/chess-fsm imports no Raft or NestJS code; libs/protocol depends on nothing of ours.
const boundaries = {
  enforceBuildableLibDependency: false,
  allow: [],
  depConstraints: [
    { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
    {
      sourceTag: 'scope:raft',
      onlyDependOnLibsWithTags: ['scope:raft'],
      bannedExternalImports: ['chess.js', 'chessground', 'cm-chessboard', '@nestjs/*', 'socket.io*'],
    },
    {
      sourceTag: 'scope:chess',
      onlyDependOnLibsWithTags: ['scope:chess', 'scope:protocol'],
      bannedExternalImports: ['@nestjs/*', 'socket.io*', 'rxjs'],
    },
    { sourceTag: 'scope:protocol', onlyDependOnLibsWithTags: ['scope:protocol'] },
    { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:raft', 'scope:chess', 'scope:protocol', 'scope:testing'] },
    { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:chess', 'scope:protocol'], bannedExternalImports: ['@nestjs/*', 'socket.io', 'node:*'] },
    // End-to-end tests drive the whole system: real nodes (the server's test cluster) and the client.
    { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:testing', 'scope:protocol'] },
    { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:raft', 'scope:protocol'] },
  ],
};

// The pure cores: no clock, timer, randomness, console or IO (DESIGN.md decisions 1 and 2).
// The compiler already refuses timers, console and Node modules there (tsconfig.core.json);
// these rules catch what the ES library itself offers.
const pureCore = {
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'Pure code: time arrives as ticks (Raft) or as the entry time (chess).' },
    { object: 'Math', property: 'random', message: 'Pure code: randomness is injected (RaftConfig.randomInt) or minted before proposing (chess ids).' },
    { object: 'performance', property: 'now', message: 'The core is pure: no clock.' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date']", message: 'The core is pure: no clock.' },
    { selector: "CallExpression[callee.name='Date']", message: 'The core is pure: no clock.' },
  ],
  'no-restricted-globals': ['error', 'process', 'console', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'require'],
  'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'net', 'os', 'crypto', 'child_process', 'dgram', 'http', 'https', 'worker_threads'] }],
};

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', 'bench/results/**', 'tmp/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The one place in libs/raft that may use NestJS: its thin RaftModule wrapper.
    files: ['libs/raft/src/nest/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          ...boundaries,
          depConstraints: boundaries.depConstraints.map((c) =>
            c.sourceTag === 'scope:raft' ? { ...c, bannedExternalImports: c.bannedExternalImports.filter((b) => b !== '@nestjs/*') } : c,
          ),
        },
      ],
    },
  },
  {
    // The client's own tests (and their fixtures) play the Rookery node with a real Socket.IO server; the page never imports them.
    files: ['client/src/**/*.spec.ts', 'client/src/**/*.spec-fixtures.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          ...boundaries,
          depConstraints: boundaries.depConstraints.map((c) => (c.sourceTag === 'scope:client' ? { ...c, bannedExternalImports: c.bannedExternalImports.filter((b) => b !== 'socket.io' && b !== 'node:*') } : c)),
        },
      ],
    },
  },
  {
    files: ['libs/raft/src/core/**/*.ts', 'libs/chess-fsm/src/**/*.ts', 'libs/protocol/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.spec-fixtures.ts'],
    rules: pureCore,
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
];

export { tseslint };
