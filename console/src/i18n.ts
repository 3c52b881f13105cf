import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { zh } from './i18n-zh';

export const en = {
  'app.title': 'CCH Console',
  'app.subtitle': 'Gateway for AI coding CLIs',
  'nav.overview': 'Overview',
  'nav.users': 'Users',
  'nav.providers': 'Providers',
  'nav.usage': 'Usage log',
  'nav.reports': 'Cost reports',
  'nav.setup': 'Client setup',
  'nav.myUsage': 'My usage',
  'nav.myKeys': 'My keys',
  'nav.logout': 'Log out',
  'nav.menu': 'Menu',
  'lang.label': 'Language',
  'login.title': 'Sign in to the CCH console',
  'login.help':
    'Use the ADMIN_TOKEN of this gateway, or one of your gateway keys. What you see follows your role.',
  'login.credential': 'Admin token or gateway key',
  'login.submit': 'Sign in',
  'login.failed': 'Sign-in failed: {message}',
  'role.admin': 'Admin',
  'role.finance': 'Finance',
  'role.user': 'User',
  'session.adminToken': 'Admin token',
  'common.loading': 'Loading…',
  'common.retry': 'Retry',
  'common.error': 'Something went wrong: {message}',
  'common.save': 'Save',
  'common.cancel': 'Cancel',
  'common.close': 'Close',
  'common.create': 'Create',
  'common.edit': 'Edit',
  'common.copy': 'Copy',
  'common.copied': 'Copied',
  'common.name': 'Name',
  'common.role': 'Role',
  'common.status': 'Status',
  'common.enabled': 'Enabled',
  'common.disabled': 'Disabled',
  'common.enable': 'Enable',
  'common.disable': 'Disable',
  'common.created': 'Created',
  'common.actions': 'Actions',
  'common.none': 'None',
  'common.empty': 'Nothing here yet.',
  'common.forbidden': 'Your role cannot open this page.',
  'common.notFound': 'This page does not exist.',
  'common.prev': 'Previous',
  'common.next': 'Next',
  'common.pageOf': 'Page {page} of {pages} · {total} rows',
  'common.from': 'From',
  'common.to': 'To',
  'common.apply': 'Apply',
  'common.all': 'All',
  'common.group': 'Provider group',
  'common.unlimited': 'unlimited',
  'metric.requests': 'Requests',
  'metric.tokens': 'Tokens',
  'metric.cost': 'Cost (USD)',
  'metric.input': 'Input',
  'metric.output': 'Output',
  'metric.cacheRead': 'Cache read',
  'metric.unpriced': 'Unpriced',
  'overview.today': 'Today',
  'overview.month': 'This month',
  'overview.topUsers': 'Top users this month',
  'overview.topModels': 'Top models this month',
  'overview.daily': 'Cost per day this month',
  'overview.providers': 'Provider health',
  'overview.breaker': 'Breaker',
  'overview.health': 'Health',
  'overview.latency': 'Latency',
  'overview.checked': 'Checked',
  'health.ok': 'healthy',
  'health.down': 'failing',
  'health.unknown': 'unknown',
  'breaker.closed': 'closed',
  'breaker.open': 'open',
  'breaker.half-open': 'half-open',
  'users.title': 'Users',
  'users.new': 'New user',
  'users.limits': 'Limits',
  'users.keys': 'Keys',
  'users.pick': 'Pick a user to see their keys and limits.',
  'users.expires': 'Expires',
  'users.allowedModels': 'Allowed models (comma separated, empty: all)',
  'users.saved': 'Saved',
  'limits.rpm': 'Requests / minute',
  'limits.concurrentSessions': 'Concurrent sessions',
  'limits.usd5h': 'USD per 5 hours',
  'limits.usdDaily': 'USD per day',
  'limits.usdWeekly': 'USD per week',
  'limits.usdMonthly': 'USD per month',
  'limits.usdTotal': 'USD in total',
  'keys.add': 'Add key',
  'keys.name': 'Key name',
  'keys.prefix': 'Prefix',
  'keys.lastUsed': 'Last used',
  'keys.revoke': 'Revoke',
  'keys.revoked': 'Revoked',
  'keys.active': 'Active',
  'keys.confirmRevoke': 'Revoke key {name}? It stops working at once.',
  'keys.createdTitle': 'Your new key',
  'keys.createdHelp':
    'Copy this key now and store it safely. It is shown only once: CCH keeps only its hash.',
  'keys.setupWithKey': 'Set up a client with this key',
  'keys.none': 'No keys yet.',
  'providers.title': 'Providers',
  'providers.add': 'Add provider',
  'providers.type': 'Type',
  'providers.baseUrl': 'Base URL',
  'providers.apiKey': 'Upstream API key',
  'providers.apiKeyKeep': 'Upstream API key (empty: keep the current one)',
  'providers.priority': 'Priority',
  'providers.weight': 'Weight',
  'providers.groups': 'Groups (comma separated)',
  'providers.groupList': 'Groups',
  'providers.models': 'Models (comma separated, empty: all)',
  'providers.costMultiplier': 'Cost multiplier',
  'providers.test': 'Test now',
  'providers.testing': 'Testing…',
  'providers.testOk': 'OK: HTTP {status} in {ms} ms',
  'providers.testFailed': 'Failed: {error} ({ms} ms)',
  'providers.history': 'Health history',
  'providers.noHistory': 'No health checks yet.',
  'usage.title': 'Usage log',
  'usage.time': 'Time',
  'usage.user': 'User',
  'usage.model': 'Model',
  'usage.provider': 'Provider',
  'usage.client': 'Client',
  'usage.duration': 'Duration',
  'usage.attempts': 'Attempts',
  'usage.detail': 'Request detail',
  'usage.attemptLog': 'Attempts, in order',
  'usage.noAttemptLog': 'This gateway records only the number of attempts for this request.',
  'usage.chosen': 'Provider chosen',
  'usage.requestId': 'Request id',
  'usage.requestedModel': 'Requested model',
  'usage.upstreamModel': 'Upstream model',
  'usage.stream': 'Streaming',
  'usage.httpStatus': 'HTTP status',
  'usage.errorClass': 'Error',
  'usage.ttfb': 'Time to first byte',
  'usage.session': 'Session',
  'usage.status.success': 'success',
  'usage.status.error': 'error',
  'usage.status.aborted': 'aborted',
  'reports.title': 'Cost reports',
  'reports.by': 'Group by',
  'reports.by.user': 'User',
  'reports.by.model': 'Model',
  'reports.by.provider': 'Provider',
  'reports.by.day': 'Day',
  'reports.csv': 'Download CSV',
  'reports.total': 'Total',
  'reports.share': 'Share of cost',
  'reports.perDay': 'Cost per day',
  'setup.title': 'Client setup',
  'setup.help':
    'Paste a gateway key (or create one on the Users page) and check the public URL of this gateway. Each file below is ready to copy.',
  'setup.key': 'Gateway key',
  'setup.keyPlaceholder': 'sk-cch-…',
  'setup.baseUrl': 'Public URL of this gateway',
  'setup.missingKey': 'Paste a key to fill in the files.',
  'setup.path': 'Save as {path}',
  'setup.claude.note': 'Claude Code reads the Anthropic URL without /v1.',
  'setup.codex.note':
    'Codex speaks the OpenAI Responses API: its base URL ends in /v1. env_key names the environment variable that holds the key: export it in your shell.',
  'setup.gemini.note': 'Gemini CLI reads both files from ~/.gemini/.',
  'setup.droid.note':
    'Droid: Anthropic models use the URL without /v1, OpenAI models the URL with /v1. Older Droid releases read config.json, newer ones settings.json.',
  'me.title': 'My usage',
  'me.budgets': 'Budgets',
  'me.window': 'Window',
  'me.limit': 'Limit',
  'me.spent': 'Spent',
  'me.remaining': 'Remaining',
  'me.window.5h': 'Rolling 5 hours',
  'me.window.daily': 'Today',
  'me.window.weekly': 'This week',
  'me.window.monthly': 'This month',
  'me.window.total': 'All time',
  'me.keysTitle': 'My keys',
  'me.adminToken':
    'The admin token belongs to no user; sign in with a gateway key to see your own usage.',
};

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

export type Lang = 'en' | 'zh';
export const LANGS: Record<Lang, { label: string; dictionary: Dictionary; locale: string }> = {
  en: { label: 'English', dictionary: en, locale: 'en-US' },
  zh: { label: '简体中文', dictionary: zh, locale: 'zh-CN' },
};

const LANG_KEY = 'cch.console.lang';

export function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function saveLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const dictionary = LANGS[lang].dictionary;
  return (key, vars) =>
    dictionary[key].replace(/\{(\w+)\}/g, (match, name: string) =>
      vars && name in vars ? String(vars[name]) : match,
    );
}

export interface I18n {
  lang: Lang;
  t: Translate;
  locale: string;
  setLang: (lang: Lang) => void;
}

export const I18nContext = createContext<I18n>({
  lang: 'en',
  t: translator('en'),
  locale: 'en-US',
  setLang: () => undefined,
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}
