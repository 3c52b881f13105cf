import type { Role } from './api';
import type { MessageKey } from './i18n';

export interface NavItem {
  path: string;
  label: MessageKey;
  icon: string;
  roles: Role[];
}

/** Pages and who may open them; the server enforces the same roles on the API. */
export const NAV: NavItem[] = [
  { path: '/overview', label: 'nav.overview', icon: '◧', roles: ['admin', 'finance'] },
  { path: '/users', label: 'nav.users', icon: '☺', roles: ['admin'] },
  { path: '/providers', label: 'nav.providers', icon: '⇄', roles: ['admin'] },
  { path: '/usage', label: 'nav.usage', icon: '≡', roles: ['admin', 'finance'] },
  { path: '/reports', label: 'nav.reports', icon: '▤', roles: ['admin', 'finance'] },
  { path: '/me', label: 'nav.myUsage', icon: '◔', roles: ['finance', 'user'] },
  { path: '/setup', label: 'nav.setup', icon: '⚙', roles: ['admin', 'finance', 'user'] },
];

export function homeFor(role: Role): string {
  return role === 'user' ? '/me' : '/overview';
}

export function allowed(path: string, role: Role): boolean | undefined {
  const item = NAV.find((entry) => path === entry.path || path.startsWith(`${entry.path}/`));
  return item ? item.roles.includes(role) : undefined;
}
