export enum QueueName {
  UsageRecords = 'usage-records',
  ProviderHealth = 'provider-health',
}

export enum JobName {
  RecordUsage = 'record-usage',
  ProviderHealthSweep = 'provider-health-sweep',
}
