import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';

const CODES: Record<number, string> = { 400: 'ERR_BAD_REQUEST', 404: 'ERR_NOT_FOUND', 413: 'ERR_TOO_LARGE', 415: 'ERR_BAD_REQUEST' };

/** The status and body of an HTTP error, `{ ok: false, error: { code, message } }`, whatever raised it (our controllers, the body parser, the router). */
export function errorAnswer(e: unknown): { status: number; body: unknown } {
  if (e instanceof HttpException) {
    const body = e.getResponse();
    if (typeof body === 'object' && body !== null && 'ok' in body) return { status: e.getStatus(), body };
    const status = e.getStatus();
    return { status, body: { ok: false, error: { code: CODES[status] ?? 'ERR_HTTP', message: e.message } } };
  }
  const status = typeof e === 'object' && e !== null && 'status' in e && typeof e.status === 'number' ? e.status : 500;
  return { status, body: { ok: false, error: { code: CODES[status] ?? 'ERR_INTERNAL', message: status === 500 ? 'internal error' : e instanceof Error ? e.message : String(e) } } };
}

/** Every HTTP error in one shape (errorAnswer). */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  catch(e: unknown, host: ArgumentsHost): void {
    const { status, body } = errorAnswer(e);
    host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>().status(status).json(body);
  }
}
