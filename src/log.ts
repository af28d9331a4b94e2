import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger; PITSTOP_LOG_LEVEL sets the level (default `info`). */
export function createLogger(level = process.env.PITSTOP_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'pitstop' } });
}

/** A logger that drops everything, for tests that do not read logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
