/**
 * The logger shape the library writes to: console-compatible, so `console` itself fits.
 * The default keeps warnings and errors and drops debug and info.
 */

/** A console-compatible logger. */
export interface ApiKeyCacheLogger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

const noop = (): void => {};

/** Warnings and errors go to the console; debug and info are dropped. */
export const defaultLogger: ApiKeyCacheLogger = {
  debug: noop,
  info: noop,
  warn: (message, ...details) => console.warn(message, ...details),
  error: (message, ...details) => console.error(message, ...details),
};

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: ApiKeyCacheLogger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
};
