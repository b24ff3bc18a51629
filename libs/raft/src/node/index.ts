export { type PeerMessageHandler } from './peer-channels';
export { RaftNode, RaftRequestError, type Joiner, type RaftNodeOptions, type SnapshotSteps, type StateMachine } from './raft-node';
export { joinUntilVoter, joinerOf, refusedAsRemoved, type JoinOptions } from './join';
