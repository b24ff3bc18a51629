// Real Rookery clusters for end-to-end tests: the server's own and the browser client's.
export { TestCluster, SECRET, type ClusterOptions, type NodeHandle } from './cluster';
export { RedisServer } from './redis';
export { HAPROXY_BIN, HaproxyProcess, type ServerState } from './haproxy';
// Legal games that stay in play: the benchmark's load and long e2e games.
export { playout, playouts } from './moves';
// One sample, or every sample of a labelled name, off a node's /metrics text.
export { metricOf, metricSeries } from './metrics';
