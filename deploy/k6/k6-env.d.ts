// k6 gives every script a console; with no DOM or Node types (on purpose: neither exists in k6)
// nothing else declares it.
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
}
declare const console: Console;
