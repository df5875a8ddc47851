/**
 * Levels at the surface are Python's names and numbers (what TORCH_LOGS and set_logs speak);
 * pino's numbers are used only when a record is serialised as pino JSON.
 */
export type LevelName = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export const NOTSET = 0;
export const DEBUG = 10;
export const INFO = 20;
export const WARNING = 30;
export const ERROR = 40;
export const CRITICAL = 50;

/** PyTorch's default level for every registered logger that TORCH_LOGS does not name. */
export const DEFAULT_LEVEL = WARNING;

export const LEVEL_BY_NAME: Readonly<Record<LevelName, number>> = {
  DEBUG,
  INFO,
  WARNING,
  ERROR,
  CRITICAL,
};

const NAME_BY_LEVEL = new Map<number, LevelName>(
  Object.entries(LEVEL_BY_NAME).map(([name, value]) => [value, name as LevelName]),
);

export function levelName(level: number): string {
  return NAME_BY_LEVEL.get(level) ?? (level === NOTSET ? 'NOTSET' : `Level ${level}`);
}

export function isLevelName(value: unknown): value is LevelName {
  return typeof value === 'string' && Object.hasOwn(LEVEL_BY_NAME, value);
}

/** glog's single-letter level, as PyTorch's formatter prints it; unknown levels print their name. */
export function shortLevel(level: number): string {
  switch (level) {
    case DEBUG:
      return 'V';
    case INFO:
      return 'I';
    case WARNING:
      return 'W';
    case ERROR:
      return 'E';
    case CRITICAL:
      return 'C';
    default:
      return levelName(level);
  }
}

/** pino's level numbers for the same levels (trace=10 debug=20 info=30 warn=40 error=50 fatal=60). */
export function pinoLevel(level: number): number {
  if (level <= DEBUG) return 20;
  if (level <= INFO) return 30;
  if (level <= WARNING) return 40;
  if (level <= ERROR) return 50;
  return 60;
}
