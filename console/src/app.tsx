import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  api,
  type Session,
  setUnauthorizedHandler,
  storeCredential,
  storedCredential,
} from './api';
import { I18nContext, initialLang, type Lang, LANGS, saveLang, translator, useI18n } from './i18n';
import { allowed, homeFor, NAV } from './nav';
import { LoginPage } from './pages/login';
import { MePage } from './pages/me';
import { OverviewPage } from './pages/overview';
import { ProvidersPage } from './pages/providers';
import { ReportsPage } from './pages/reports';
import { SetupPage } from './pages/setup';
import { UsagePage } from './pages/usage';
import { UsersPage } from './pages/users';
import { linkProps, navigate, usePath } from './router';
import { Forbidden, LanguagePicker } from './ui';

export function App(): preact.JSX.Element {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const i18n = useMemo(
    () => ({
      lang,
      t: translator(lang),
      locale: LANGS[lang].locale,
      setLang: (next: Lang) => {
        saveLang(next);
        setLangState(next);
      },
    }),
    [lang],
  );
  useEffect(() => saveLang(lang), []);
  return (
    <I18nContext.Provider value={i18n}>
      <Root />
    </I18nContext.Provider>
  );
}

/** Restores the session of this tab, or shows the login. */
function Root(): preact.JSX.Element {
  const { t } = useI18n();
  const [session, setSession] = useState<Session | null | undefined>(
    storedCredential() ? undefined : null,
  );
  const logout = (): void => {
    storeCredential(null);
    setSession(null);
  };
  useEffect(() => {
    setUnauthorizedHandler(logout);
    const credential = storedCredential();
    if (credential) api.login(credential).then(setSession, logout);
  }, []);
  if (session === undefined) {
    return (
      <div class="loading loading-page">
        <span class="spinner" /> {t('common.loading')}
      </div>
    );
  }
  if (session === null) {
    return (
      <LoginPage
        onLogin={(next, credential) => {
          storeCredential(credential);
          setSession(next);
          navigate(homeFor(next.role));
        }}
      />
    );
  }
  return <Shell session={session} onLogout={logout} />;
}

function Shell(props: { session: Session; onLogout: () => void }): preact.JSX.Element {
  const { t } = useI18n();
  const path = usePath();
  const [menuOpen, setMenuOpen] = useState(false);
  const { session } = props;
  const route = path === '/' || path === '/login' ? homeFor(session.role) : path;
  useEffect(() => {
    if (route !== path) navigate(route);
    setMenuOpen(false);
  }, [route]);
  const items = NAV.filter((item) => item.roles.includes(session.role));
  const who = session.kind === 'admin-token' ? t('session.adminToken') : (session.userName ?? '');
  return (
    <div class={`shell ${menuOpen ? 'menu-open' : ''}`}>
      <aside class="sidebar">
        <div class="brand">
          <span class="brand-mark">C</span>
          <div>
            <div class="brand-name">{t('app.title')}</div>
            <div class="brand-sub">{t('app.subtitle')}</div>
          </div>
        </div>
        <nav class="nav" aria-label="main">
          {items.map((item) => (
            <a
              key={item.path}
              {...linkProps(item.path)}
              class={`nav-item ${route.startsWith(item.path) ? 'active' : ''}`}
              data-nav={item.path.slice(1)}
            >
              <span class="nav-icon" aria-hidden="true">
                {item.icon}
              </span>
              {t(item.label)}
            </a>
          ))}
        </nav>
        <div class="sidebar-foot">
          <div class="who">
            <div class="who-name" data-testid="who">
              {who}
            </div>
            <div class="who-role">{t(`role.${session.role}`)}</div>
          </div>
          <div class="sidebar-controls">
            <LanguagePicker />
            <button class="btn btn-ghost btn-small" onClick={props.onLogout} data-testid="logout">
              {t('nav.logout')}
            </button>
          </div>
        </div>
      </aside>
      <header class="topbar">
        <button class="icon-btn" aria-label={t('nav.menu')} onClick={() => setMenuOpen(!menuOpen)}>
          ☰
        </button>
        <span class="brand-name">{t('app.title')}</span>
      </header>
      <div class="scrim" onClick={() => setMenuOpen(false)} />
      <main class="content">
        <Page route={route} session={session} />
      </main>
    </div>
  );
}

function Page(props: { route: string; session: Session }): preact.JSX.Element {
  const { t } = useI18n();
  const { route, session } = props;
  const permitted = allowed(route, session.role);
  if (permitted === undefined) return <div class="alert alert-warn">{t('common.notFound')}</div>;
  if (!permitted) return <Forbidden />;
  const section = route.split('/')[1];
  switch (section) {
    case 'overview':
      return <OverviewPage session={session} />;
    case 'users':
      return <UsersPage route={route} />;
    case 'providers':
      return <ProvidersPage />;
    case 'usage':
      return <UsagePage />;
    case 'reports':
      return <ReportsPage />;
    case 'me':
      return <MePage session={session} />;
    case 'setup':
      return <SetupPage />;
    default:
      return <div class="alert alert-warn">{t('common.notFound')}</div>;
  }
}
