/** Announced whenever a provider is created, changed or deleted; gateways reload their snapshot. */
export const PROVIDERS_CHANGED_CHANNEL = 'cch:providers:changed';
