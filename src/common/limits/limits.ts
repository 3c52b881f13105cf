/** Spending and rate limits of a user, key or provider; enforced by the limits module. */
export interface Limits {
  rpm?: number;
  concurrentSessions?: number;
  usd5h?: string;
  usdDaily?: string;
  usdWeekly?: string;
  usdMonthly?: string;
  usdTotal?: string;
}

/** Every field of `Limits`, for code that compares or copies them one by one. */
export const LIMIT_FIELDS: readonly (keyof Limits)[] = [
  'rpm',
  'concurrentSessions',
  'usd5h',
  'usdDaily',
  'usdWeekly',
  'usdMonthly',
  'usdTotal',
];
