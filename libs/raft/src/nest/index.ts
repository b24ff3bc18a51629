export { RAFT_NODE, RaftModule, type RaftModuleAsyncOptions } from './raft.module';
