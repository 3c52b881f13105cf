export enum QueueName {
  /** Usage as `COPY` text, what gateways enqueue (JobName.RecordUsageCopy). */
  UsageLedger = 'usage-ledger',
  /**
   * Usage as objects, what releases before the `COPY` text enqueued: still drained, so that a
   * rolling upgrade loses nothing. A queue of its own keeps the new jobs away from old workers.
   */
  UsageRecords = 'usage-records',
  ProviderHealth = 'provider-health',
}

export enum JobName {
  RecordUsage = 'record-usage',
  /** Several usage records in one job (what gateways enqueue; single records still run). */
  RecordUsageBatch = 'record-usage-batch',
  /** Usage records as `COPY` text lines (what gateways enqueue, on QueueName.UsageLedger). */
  RecordUsageCopy = 'record-usage-copy',
  ProviderHealthSweep = 'provider-health-sweep',
}
