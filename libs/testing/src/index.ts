// Real Rookery clusters for end-to-end tests: the server's own and the browser client's.
export { TestCluster, SECRET, type NodeHandle } from './cluster';
