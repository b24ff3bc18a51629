import type { Logger, NodeId } from '../core/types';
import { APP_CHANNEL } from '../transport/codec';

/** Handles an application message a peer sent on a channel (see RaftNode.onPeerMessage). */
export type PeerMessageHandler = (from: NodeId, payload: Uint8Array) => void;

/** The handlers of application messages, by channel. A message on a channel nobody handles is dropped. */
export class PeerChannels {
  private readonly handlers = new Map<string, Set<PeerMessageHandler>>();

  constructor(
    private readonly id: NodeId,
    private readonly logger: Logger,
  ) {}

  /** Adds `handler` to `channel`; returns its removal. A bad channel name is a RangeError. */
  on(channel: string, handler: PeerMessageHandler): () => void {
    checkChannel(channel);
    let set = this.handlers.get(channel);
    if (set === undefined) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) this.handlers.delete(channel);
    };
  }

  deliver(from: NodeId, channel: string, payload: Uint8Array): void {
    for (const h of this.handlers.get(channel) ?? []) {
      // A handler's failure (on a peer's bad payload, say) must reach neither the transport nor the other handlers.
      try {
        h(from, payload);
      } catch (e) {
        this.logger.warn(`${this.id}: a handler of channel ${channel} failed on a message from ${from}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

export function checkChannel(channel: string): void {
  if (!APP_CHANNEL.test(channel)) throw new RangeError(`application channel ${JSON.stringify(channel)} is not 1-64 of A-Z a-z 0-9 _ . : -`);
}
