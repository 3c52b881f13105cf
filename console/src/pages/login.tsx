import { useState } from 'preact/hooks';
import { api, type Session } from '../api';
import { useI18n } from '../i18n';
import { LanguagePicker } from '../ui';

export function LoginPage(props: {
  onLogin: (session: Session, credential: string) => void;
}): preact.JSX.Element {
  const { t } = useI18n();
  const [credential, setCredential] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const trimmed = credential.trim();
      props.onLogin(await api.login(trimmed), trimmed);
    } catch (failure: unknown) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form class="login-card" onSubmit={(event) => void submit(event)}>
        <div class="brand brand-center">
          <span class="brand-mark">C</span>
          <div class="brand-name">{t('app.title')}</div>
        </div>
        <h1>{t('login.title')}</h1>
        <p class="muted">{t('login.help')}</p>
        <label class="field">
          <span class="field-label">{t('login.credential')}</span>
          <input
            type="password"
            name="credential"
            autocomplete="current-password"
            required
            value={credential}
            onInput={(event) => setCredential((event.target as HTMLInputElement).value)}
          />
        </label>
        {error && (
          <div class="alert alert-error" role="alert">
            {t('login.failed', { message: error })}
          </div>
        )}
        <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
        <div class="login-lang">
          <LanguagePicker />
        </div>
      </form>
    </div>
  );
}
