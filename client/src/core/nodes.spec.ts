import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeList } from './nodes';

// The nodes a client tries, in order: the page's origin first, each once.

describe('NodeList', () => {
  const cases: { name: string; origin: string; others: string[]; all: string[] }[] = [
    { name: 'behind a proxy: the origin alone', origin: 'https://rookery.example', others: [], all: ['https://rookery.example'] },
    {
      name: 'the origin first, then the others in their order',
      origin: 'http://localhost:3002',
      others: ['http://localhost:3001', 'http://localhost:3003'],
      all: ['http://localhost:3002', 'http://localhost:3001', 'http://localhost:3003'],
    },
    {
      name: 'the origin listed again among the others is not tried twice',
      origin: 'http://localhost:3002',
      others: ['http://localhost:3001', 'http://localhost:3002', 'http://localhost:3003'],
      all: ['http://localhost:3002', 'http://localhost:3001', 'http://localhost:3003'],
    },
    {
      name: 'trailing slashes are dropped before comparing',
      origin: 'http://localhost:3001/',
      others: ['http://localhost:3001', 'http://localhost:3002//', 'http://localhost:3002'],
      all: ['http://localhost:3001', 'http://localhost:3002'],
    },
    { name: 'a duplicate among the others', origin: 'http://a', others: ['http://b', 'http://b/'], all: ['http://a', 'http://b'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const n = new NodeList(c.origin, c.others);
      assert.deepEqual(n.all(), c.all);
      assert.equal(n.size, c.all.length);
      assert.equal(n.current, c.all[0]);
    });
  }

  it('advance goes through every node in order and wraps to the first', () => {
    const n = new NodeList('http://a/', ['http://b', 'http://c', 'http://a']);
    assert.deepEqual([n.advance(), n.advance(), n.advance(), n.advance()], ['http://b', 'http://c', 'http://a', 'http://b']);
    assert.equal(n.current, 'http://b');
  });

  it('with a single node, advance stays on it', () => {
    const n = new NodeList('https://rookery.example/');
    assert.equal(n.advance(), 'https://rookery.example');
    assert.equal(n.advance(), 'https://rookery.example');
  });
});
