import { createLogger, type Logger } from '@mesh-kit/runtime';

export function silentLogger(): Logger {
  return createLogger('test', 'silent');
}
