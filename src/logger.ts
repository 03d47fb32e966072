/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Where the SDK writes what it does. The SDK never passes a token to it.
 *
 * ```ts
 * const client = new StreamVideoClient(apiKey, { logger: (level, msg, extra) => myLog[level](msg, extra) });
 * ```
 */
export type Logger = (level: LogLevel, message: string, extra?: Record<string, unknown>) => void;

/** The default logger: warnings and errors to the console, nothing else. */
export const consoleLogger: Logger = (level, message, extra) => {
  if (level === 'warn' || level === 'error') {
    const log = globalThis.console?.[level];
    if (extra === undefined) log?.(`[stream-video] ${message}`);
    else log?.(`[stream-video] ${message}`, extra);
  }
};

/** A logger that drops everything. */
export const silentLogger: Logger = () => {};
