// The CLI's logger: pino JSON lines on stderr (stdout is for what the user asked for), level from MB_LOG_LEVEL.
import { type Logger, pino } from 'pino';

/**
 * @example
 *   const logger = createLogger('serve');
 */
export function createLogger(name: string, level = process.env.MB_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
