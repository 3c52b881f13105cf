import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Lang, LANGS, useI18n } from './i18n';

export interface Async<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

/** Loads data when `deps` change; `reload` refetches after a change made on the page. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ data: previous.data, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) =>
        live &&
        setState({
          error: error instanceof Error ? error : new Error(String(error)),
          loading: false,
        }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Renders loading and error states, then the children with the data. */
export function Loaded<T>(props: {
  state: Async<T>;
  children: (data: T) => ComponentChildren;
}): preact.JSX.Element {
  const { t } = useI18n();
  const { state } = props;
  if (state.error && state.data === undefined) {
    return (
      <div class="alert alert-error" role="alert">
        <span>{t('common.error', { message: state.error.message })}</span>
        <button class="btn btn-small" onClick={state.reload}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  if (state.data === undefined) {
    return (
      <div class="loading" aria-busy="true">
        <span class="spinner" /> {t('common.loading')}
      </div>
    );
  }
  return <>{props.children(state.data)}</>;
}

export function ErrorText(props: { error: unknown }): preact.JSX.Element | null {
  const { t } = useI18n();
  if (!props.error) return null;
  const message =
    props.error instanceof Error
      ? props.error.message
      : typeof props.error === 'string'
        ? props.error
        : JSON.stringify(props.error);
  return (
    <div class="alert alert-error" role="alert">
      {t('common.error', { message })}
    </div>
  );
}

export function Card(props: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}): preact.JSX.Element {
  return (
    <section class={`card ${props.class ?? ''}`}>
      {(props.title || props.actions) && (
        <header class="card-head">
          <h2>{props.title}</h2>
          <div class="card-actions">{props.actions}</div>
        </header>
      )}
      {props.children}
    </section>
  );
}

export function PageHead(props: {
  title: string;
  actions?: ComponentChildren;
}): preact.JSX.Element {
  return (
    <div class="page-head">
      <h1>{props.title}</h1>
      <div class="page-actions">{props.actions}</div>
    </div>
  );
}

export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  footer?: ComponentChildren;
}): preact.JSX.Element {
  const { t } = useI18n();
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') props.onClose();
    };
    window.addEventListener('keydown', onKey);
    dialog.current?.querySelector<HTMLElement>('input, button')?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div
      class="modal-backdrop"
      onClick={(event) => event.target === event.currentTarget && props.onClose()}
    >
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.title} ref={dialog}>
        <header class="modal-head">
          <h2>{props.title}</h2>
          <button class="icon-btn" aria-label={t('common.close')} onClick={props.onClose}>
            ×
          </button>
        </header>
        <div class="modal-body">{props.children}</div>
        {props.footer && <footer class="modal-foot">{props.footer}</footer>}
      </div>
    </div>
  );
}

export function CopyButton(props: { text: string; label?: string }): preact.JSX.Element {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.text);
    } catch {
      // Clipboard API unavailable (plain http): fall back to a selection copy.
      const area = document.createElement('textarea');
      area.value = props.text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button class="btn btn-small" type="button" onClick={() => void copy()}>
      {copied ? t('common.copied') : (props.label ?? t('common.copy'))}
    </button>
  );
}

export function Badge(props: {
  tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info';
  children: ComponentChildren;
}): preact.JSX.Element {
  return <span class={`badge badge-${props.tone}`}>{props.children}</span>;
}

export function Pager(props: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
}): preact.JSX.Element {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <div class="pager">
      <button
        class="btn btn-small"
        disabled={props.page <= 1}
        onClick={() => props.onPage(props.page - 1)}
      >
        {t('common.prev')}
      </button>
      <span>{t('common.pageOf', { page: props.page, pages, total: props.total })}</span>
      <button
        class="btn btn-small"
        disabled={props.page >= pages}
        onClick={() => props.onPage(props.page + 1)}
      >
        {t('common.next')}
      </button>
    </div>
  );
}

export function Field(props: {
  label: string;
  children: ComponentChildren;
  wide?: boolean;
}): preact.JSX.Element {
  return (
    <label class={`field ${props.wide ? 'field-wide' : ''}`}>
      <span class="field-label">{props.label}</span>
      {props.children}
    </label>
  );
}

export function Stat(props: { label: string; value: string; hint?: string }): preact.JSX.Element {
  return (
    <div class="stat">
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.hint && <div class="stat-hint">{props.hint}</div>}
    </div>
  );
}

export function Forbidden(): preact.JSX.Element {
  const { t } = useI18n();
  return (
    <div class="alert alert-warn" role="alert" data-testid="forbidden">
      {t('common.forbidden')}
    </div>
  );
}

/** The footer of every dialog form: its error, Cancel, and the submit button (off while busy). */
export function DialogFormFooter(props: {
  error: unknown;
  busy: boolean;
  submitLabel: string;
  onCancel: () => void;
}): preact.JSX.Element {
  const { t } = useI18n();
  return (
    <>
      <ErrorText error={props.error} />
      <div class="form-actions">
        <button type="button" class="btn" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={props.busy}>
          {props.submitLabel}
        </button>
      </div>
    </>
  );
}

/** The language switch, on the login page and in the sidebar; the choice is remembered. */
export function LanguagePicker(): preact.JSX.Element {
  const { t, lang, setLang } = useI18n();
  return (
    <select
      aria-label={t('lang.label')}
      data-testid="lang"
      value={lang}
      onChange={(event) => setLang((event.target as HTMLSelectElement).value as Lang)}
    >
      {Object.entries(LANGS).map(([code, entry]) => (
        <option key={code} value={code}>
          {entry.label}
        </option>
      ))}
    </select>
  );
}
