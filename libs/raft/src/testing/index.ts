export { Prng } from './prng';
export { SimNode, type ReadyObserver } from './sim-node';
export { freePort } from './ports';
export { until } from './until';
