import { useState } from 'preact/hooks';
import { api } from '../api';
import { formatTime, splitList } from '../format';
import { useI18n } from '../i18n';
import {
  PROVIDER_TYPES,
  type HealthResult,
  type Page,
  type Provider,
  type ProviderHealth,
  type ProviderType,
} from '../types';
import {
  Badge,
  Card,
  DialogFormFooter,
  ErrorText,
  Field,
  Loaded,
  Modal,
  PageHead,
  useAsync,
} from '../ui';

export function ProvidersPage(): preact.JSX.Element {
  const { t } = useI18n();
  const providers = useAsync(
    () => api.get<Page<Provider>>('/api/providers', { pageSize: 500 }),
    [],
  );
  const [editing, setEditing] = useState<Provider | 'new' | null>(null);
  return (
    <>
      <PageHead
        title={t('providers.title')}
        actions={
          <button
            class="btn btn-primary"
            onClick={() => setEditing('new')}
            data-testid="add-provider"
          >
            + {t('providers.add')}
          </button>
        }
      />
      <Loaded state={providers}>
        {(page) =>
          page.items.length === 0 ? (
            <Card>
              <p class="muted">{t('common.empty')}</p>
            </Card>
          ) : (
            <div class="provider-grid" data-testid="provider-list">
              {page.items.map((provider) => (
                <ProviderCard
                  key={provider.id}
                  provider={provider}
                  onEdit={() => setEditing(provider)}
                  onChanged={providers.reload}
                />
              ))}
            </div>
          )
        }
      </Loaded>
      {editing && (
        <ProviderModal
          provider={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            providers.reload();
          }}
        />
      )}
    </>
  );
}

function ProviderCard(props: {
  provider: Provider;
  onEdit: () => void;
  onChanged: () => void;
}): preact.JSX.Element {
  const { t, locale } = useI18n();
  const { provider } = props;
  const health = useAsync(
    () => api.get<ProviderHealth>(`/api/providers/${provider.id}/health`, { limit: 10 }),
    [provider.id],
  );
  const [test, setTest] = useState<{ busy?: boolean; result?: HealthResult; error?: unknown }>({});
  const [error, setError] = useState<unknown>(null);
  const runTest = async (): Promise<void> => {
    setTest({ busy: true });
    try {
      const result = await api.post<HealthResult>(`/api/providers/${provider.id}/test`);
      setTest({ result });
      health.reload();
    } catch (failure) {
      setTest({ error: failure });
    }
  };
  const toggle = async (): Promise<void> => {
    try {
      await api.patch(`/api/providers/${provider.id}`, { enabled: !provider.enabled });
      props.onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Card
      class="provider-card"
      title={
        <span class="title-with-badges">
          <span>{provider.name}</span>
          <Badge tone={provider.enabled ? 'ok' : 'muted'}>
            {provider.enabled ? t('common.enabled') : t('common.disabled')}
          </Badge>
        </span>
      }
      actions={
        <>
          <button class="btn btn-small" onClick={props.onEdit}>
            {t('common.edit')}
          </button>
          <button class="btn btn-small" onClick={() => void toggle()}>
            {provider.enabled ? t('common.disable') : t('common.enable')}
          </button>
        </>
      }
    >
      <dl class="facts">
        <dt>{t('providers.type')}</dt>
        <dd>{provider.type}</dd>
        <dt>{t('providers.baseUrl')}</dt>
        <dd class="break">{provider.baseUrl}</dd>
        <dt>{t('providers.apiKey')}</dt>
        <dd>
          <code>{provider.apiKeyPreview}</code>
        </dd>
        <dt>
          {t('providers.priority')} / {t('providers.weight')}
        </dt>
        <dd>
          {provider.priority} / {provider.weight}
        </dd>
        <dt>{t('providers.groupList')}</dt>
        <dd>{provider.groups.join(', ')}</dd>
      </dl>
      <ErrorText error={error} />
      <div class="test-row">
        <button
          class="btn btn-small btn-primary"
          disabled={test.busy}
          onClick={() => void runTest()}
          data-testid="test-provider"
        >
          {test.busy ? t('providers.testing') : t('providers.test')}
        </button>
        {test.result && (
          <span class={test.result.ok ? 'ok-text' : 'bad-text'} data-testid="test-result">
            {test.result.ok
              ? t('providers.testOk', {
                  status: test.result.httpStatus ?? '',
                  ms: test.result.latencyMs,
                })
              : t('providers.testFailed', {
                  error: test.result.error ?? '',
                  ms: test.result.latencyMs,
                })}
          </span>
        )}
      </div>
      <ErrorText error={test.error} />
      <h3>{t('providers.history')}</h3>
      <Loaded state={health}>
        {(data) =>
          data.history.length === 0 ? (
            <p class="muted">{t('providers.noHistory')}</p>
          ) : (
            <div class="health-strip" aria-label={t('providers.history')}>
              {[...data.history].reverse().map((result) => (
                <span
                  key={result.checkedAt}
                  class={`health-dot ${result.ok ? 'ok' : 'bad'}`}
                  title={`${formatTime(result.checkedAt, locale)} · ${result.ok ? result.httpStatus : result.error} · ${result.latencyMs} ms`}
                />
              ))}
              <span class="muted small">{formatTime(data.history[0]?.checkedAt, locale)}</span>
            </div>
          )
        }
      </Loaded>
    </Card>
  );
}

function ProviderModal(props: {
  provider: Provider | null;
  onClose: () => void;
  onSaved: () => void;
}): preact.JSX.Element {
  const { t } = useI18n();
  const existing = props.provider;
  const initialType: ProviderType = existing?.type ?? 'anthropic';
  const [form, setForm] = useState({
    name: existing?.name ?? '',
    type: initialType,
    baseUrl: existing?.baseUrl ?? '',
    apiKey: '',
    priority: String(existing?.priority ?? 0),
    weight: String(existing?.weight ?? 1),
    groups: (existing?.groups ?? ['default']).join(', '),
    models: (existing?.models ?? []).join(', '),
    costMultiplier: existing?.costMultiplier ?? '1',
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof form) => (event: Event) =>
    setForm({ ...form, [field]: (event.target as HTMLInputElement).value });
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    const body = {
      name: form.name.trim(),
      type: form.type,
      baseUrl: form.baseUrl.trim(),
      priority: Number(form.priority),
      weight: Number(form.weight),
      groups: splitList(form.groups),
      models: splitList(form.models),
      costMultiplier: form.costMultiplier.trim(),
      ...(form.apiKey && { apiKey: form.apiKey }),
    };
    try {
      if (existing) await api.patch(`/api/providers/${existing.id}`, body);
      else await api.post('/api/providers', body);
      props.onSaved();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Modal title={existing ? existing.name : t('providers.add')} onClose={props.onClose}>
      <form class="form" onSubmit={(event) => void submit(event)}>
        <div class="form-grid">
          <Field label={t('common.name')}>
            <input name="name" required value={form.name} onInput={set('name')} />
          </Field>
          <Field label={t('providers.type')}>
            <select name="type" value={form.type} onChange={set('type')}>
              {PROVIDER_TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('providers.baseUrl')} wide>
            <input
              name="baseUrl"
              type="url"
              required
              placeholder="https://api.anthropic.com"
              value={form.baseUrl}
              onInput={set('baseUrl')}
            />
          </Field>
          <Field label={existing ? t('providers.apiKeyKeep') : t('providers.apiKey')} wide>
            <input
              name="apiKey"
              type="password"
              autocomplete="off"
              required={!existing}
              value={form.apiKey}
              onInput={set('apiKey')}
            />
          </Field>
          <Field label={t('providers.priority')}>
            <input
              name="priority"
              inputMode="numeric"
              value={form.priority}
              onInput={set('priority')}
            />
          </Field>
          <Field label={t('providers.weight')}>
            <input name="weight" inputMode="numeric" value={form.weight} onInput={set('weight')} />
          </Field>
          <Field label={t('providers.groups')}>
            <input name="groups" value={form.groups} onInput={set('groups')} />
          </Field>
          <Field label={t('providers.costMultiplier')}>
            <input
              name="costMultiplier"
              inputMode="decimal"
              value={form.costMultiplier}
              onInput={set('costMultiplier')}
            />
          </Field>
          <Field label={t('providers.models')} wide>
            <input
              name="models"
              placeholder="claude-sonnet-4*, claude-haiku-4*"
              value={form.models}
              onInput={set('models')}
            />
          </Field>
        </div>
        <DialogFormFooter
          error={error}
          busy={busy}
          submitLabel={t('common.save')}
          onCancel={props.onClose}
        />
      </form>
    </Modal>
  );
}
