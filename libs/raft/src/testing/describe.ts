import type { Entry, Message } from '../core/types';

const decoder = new TextDecoder();

/** Entries as `term/index`, runs of one term written as a range: `[1/1 2/2..2/9]`. */
export function describeEntries(ents: readonly Entry[], withData = false): string {
  const parts: string[] = [];
  for (let i = 0; i < ents.length; ) {
    let j = i;
    while (!withData && j + 1 < ents.length && ents[j + 1]!.term === ents[i]!.term && ents[j + 1]!.index === ents[j]!.index + 1) j++;
    const a = ents[i]!;
    const b = ents[j]!;
    if (withData) parts.push(`${a.term}/${a.index}${a.type === 'conf' ? `:conf(${decoder.decode(a.data).split('|')[0]!.replace(' -', '')})` : a.data.length > 0 ? `:${decoder.decode(a.data)}` : ''}`);
    else parts.push(i === j ? `${a.term}/${a.index}` : `${a.term}/${a.index}..${b.term}/${b.index}`);
    i = j + 1;
  }
  return `[${parts.join(' ')}]`;
}

/** One line per message, in Raft's words: term, index, commit. */
export function describe(m: Message): string {
  switch (m.type) {
    case 'MsgApp':
      return `MsgApp term ${m.term} prev ${m.logTerm}/${m.index} commit ${m.commit} entries ${describeEntries(m.entries)}`;
    case 'MsgAppResp':
      return `MsgAppResp term ${m.term} index ${m.index}${m.reject ? ` rejected (hint ${m.logTerm}/${m.rejectHint})` : ''}`;
    case 'MsgVote':
    case 'MsgPreVote':
      return `${m.type} term ${m.term} last ${m.logTerm}/${m.index}${m.context ? ` (${m.context})` : ''}`;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp':
      return `${m.type} term ${m.term}${m.reject ? ' rejected' : ' granted'}`;
    case 'MsgHeartbeat':
      return `MsgHeartbeat term ${m.term} commit ${m.commit}${m.context ? ` read ${m.context}` : ''}`;
    case 'MsgHeartbeatResp':
      return `MsgHeartbeatResp term ${m.term}${m.context ? ` read ${m.context}` : ''}`;
    case 'MsgProp':
      return `MsgProp ${m.entries.length} entries`;
    case 'MsgReadIndex':
      return `MsgReadIndex read ${m.context}`;
    case 'MsgReadIndexResp':
      return `MsgReadIndexResp term ${m.term} index ${m.index} read ${m.context}`;
    case 'MsgSnap': {
      const c = m.snapshot!;
      return `MsgSnap term ${m.term} snapshot ${c.meta.term}/${c.meta.index} bytes ${c.offset}..${c.offset + c.data.length}${c.last ? ' last' : ''}`;
    }
    case 'MsgTimeoutNow':
      return `MsgTimeoutNow term ${m.term}`;
    case 'MsgSnapResp': {
      const c = m.snapshot!;
      return `MsgSnapResp term ${m.term} snapshot ${c.meta.term}/${c.meta.index} ${m.reject ? 'expects' : 'received'} ${c.offset}`;
    }
  }
}
