export { RaftNode, RaftRequestError, type RaftNodeOptions, type StateMachine } from './raft-node';
