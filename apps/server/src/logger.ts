import type { LoggerService } from '@nestjs/common';
import type { Logger as RaftLogger, RaftNode } from '@rookery/raft';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs (pino), one line per event, each carrying the node id and — once the
 * node runs — its role and term.
 */
export function createLogger(nodeId: string, level: string): Logger {
  return pino({ level, base: { node: nodeId } });
}

/** Raft's logger interface on pino. */
export function raftLogger(log: Logger): RaftLogger {
  return {
    debug: (msg: string) => log.debug({ component: 'raft' }, msg),
    info: (msg: string) => log.info({ component: 'raft' }, msg),
    warn: (msg: string) => log.warn({ component: 'raft' }, msg),
  };
}

/** Nest's logger interface on pino, adding the node's role and term to every line. */
export class NestPinoLogger implements LoggerService {
  node: RaftNode | undefined;
  constructor(private readonly pino: Logger) {}
  private ctx(context: unknown): Record<string, unknown> {
    let s: { role: string; term: number } | undefined;
    try {
      s = this.node?.status();
    } catch {
      s = undefined; // not started yet
    }
    return { component: typeof context === 'string' ? context : 'nest', ...(s ? { role: s.role, term: s.term } : {}) };
  }
  log(message: unknown, context?: unknown): void {
    this.pino.info(this.ctx(context), String(message));
  }
  error(message: unknown, trace?: unknown, context?: unknown): void {
    this.pino.error({ ...this.ctx(context), trace }, String(message));
  }
  warn(message: unknown, context?: unknown): void {
    this.pino.warn(this.ctx(context), String(message));
  }
  debug(message: unknown, context?: unknown): void {
    this.pino.debug(this.ctx(context), String(message));
  }
  verbose(message: unknown, context?: unknown): void {
    this.pino.trace(this.ctx(context), String(message));
  }
}
