/**
 * One provider attempt of a proxy request, kept on its ledger row. `outcome` is `ok` for the
 * attempt that answered, else the failure class that made the gateway try the next provider.
 */
export interface AttemptNote {
  providerId: string;
  /** The provider's protocol: tells a converted attempt from a passthrough one. */
  providerType: string;
  outcome: string;
  /** The upstream HTTP status, when one arrived. */
  httpStatus: number | null;
  /** Milliseconds from sending until the upstream answered or failed. */
  ms: number;
}
