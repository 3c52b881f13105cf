export enum QueueName {
  UsageRecords = 'usage-records',
  ProviderHealth = 'provider-health',
}

export enum JobName {
  RecordUsage = 'record-usage',
  /** Several usage records in one job (what gateways enqueue; single records still run). */
  RecordUsageBatch = 'record-usage-batch',
  ProviderHealthSweep = 'provider-health-sweep',
}
