export { Prng } from './prng';
export { SimNode, type ReadyObserver } from './sim-node';
