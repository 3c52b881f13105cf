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
