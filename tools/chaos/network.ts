import type { PeerAddress } from '@rookery/raft';

/**
 * How the harness stands between the nodes' Raft transports, to cut links: network namespaces
 * joined by veth links when the machine allows them (`ip netns`), per-link TCP proxies otherwise.
 * Clients (the players, the harness's admin calls) always reach every node: partitions are
 * between nodes, as they are between data-centre racks.
 */

/** A directed link i→j: open, refusing connections, or swallowing them silently. */
export type LinkFault = 'open' | 'refuse' | 'blackhole';

/** Where a node runs and how it is reached. */
export interface Placement {
  /** The host its HTTP and Raft listen on. */
  host: string;
  httpPort: number;
  raftPort: number;
  /** Where its peers dial its Raft transport (its --advertise). */
  raft: PeerAddress;
  /** Prepended to its command line (`ip netns exec …`). */
  prefix: string[];
}

export interface Network {
  readonly kind: 'proxy' | 'netns';
  /** Gives a node its place (its addresses); once per node id per schedule. */
  place(node: string): Promise<Placement>;
  /** Faults the directed link from → to (messages `from` sends `to`). */
  cut(from: string, to: string, fault: Exclude<LinkFault, 'open'>): Promise<void>;
  /**
   * Opens every link. `reset`: connections held by a black hole are closed (their bytes lost);
   * `resume`: they deliver what piled up, late (where the network can tell them apart).
   */
  heal(release: 'reset' | 'resume'): Promise<void>;
  /** Removes everything it made. */
  close(): Promise<void>;
}
