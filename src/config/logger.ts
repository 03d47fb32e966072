/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The least severe level that is logged; `silent` logs nothing. */
export type LogLevelThreshold = LogLevel | 'silent';

/**
 * Where the SDK writes what it does. The SDK never passes a token to it.
 *
 * ```ts
 * const client = new StreamVideoClient(apiKey, { logger: (level, msg, extra) => myLog[level](msg, extra), logLevel: 'debug' });
 * ```
 */
export type Logger = (level: LogLevel, message: string, extra?: Record<string, unknown>) => void;

const RANK: Readonly<Record<LogLevelThreshold, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** The log levels, least severe first, then `silent`. */
export const LOG_LEVELS: readonly LogLevelThreshold[] = Object.freeze(['debug', 'info', 'warn', 'error', 'silent']);

/** The default logger: every line it is given to the console (`console.debug`, `info`, `warn`, `error`). */
export const consoleLogger: Logger = (level, message, extra) => {
  const out = globalThis.console;
  if (extra === undefined) out?.[level]?.(`[stream-video] ${message}`);
  else out?.[level]?.(`[stream-video] ${message}`, extra);
};

/** A logger that drops everything. */
export const silentLogger: Logger = () => {};

/**
 * `logger`, passed only the lines at `threshold` or more severe.
 * @param logger where the lines go.
 * @param threshold the least severe level let through (`silent`: none).
 */
export function withLevel(logger: Logger, threshold: LogLevelThreshold): Logger {
  const min = RANK[threshold];
  if (min >= RANK.silent) return silentLogger;
  return (level, message, extra) => {
    if (RANK[level] >= min) logger(level, message, extra);
  };
}
