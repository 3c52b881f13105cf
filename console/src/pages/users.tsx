import { useState } from 'preact/hooks';
import { api } from '../api';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import { linkProps, navigate } from '../router';
import type { Page, User } from '../types';
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
import { LimitsFields, useLimitsDraft } from './limits-form';
import { KeysCard } from './user-keys';

export function UsersPage(props: { route: string }): preact.JSX.Element {
  const { t } = useI18n();
  const selectedId = props.route.split('/')[2] ?? null;
  const users = useAsync(() => api.get<Page<User>>('/api/users', { pageSize: 500 }), []);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHead
        title={t('users.title')}
        actions={
          <button class="btn btn-primary" onClick={() => setCreating(true)} data-testid="new-user">
            + {t('users.new')}
          </button>
        }
      />
      <div class={`split ${selectedId ? 'split-detail' : ''}`}>
        <Card class="split-list">
          <Loaded state={users}>
            {(page) =>
              page.items.length === 0 ? (
                <p class="muted">{t('common.empty')}</p>
              ) : (
                <ul class="list" data-testid="user-list">
                  {page.items.map((user) => (
                    <li key={user.id}>
                      <a
                        {...linkProps(`/users/${user.id}`)}
                        class={`list-item ${user.id === selectedId ? 'active' : ''}`}
                      >
                        <span class="avatar">{user.name.slice(0, 1).toUpperCase()}</span>
                        <span class="list-main">
                          <span class="list-title">{user.name}</span>
                          <span class="list-sub">{t(`role.${user.role}`)}</span>
                        </span>
                        {!user.enabled && <Badge tone="muted">{t('common.disabled')}</Badge>}
                      </a>
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>
        </Card>
        <div class="split-main">
          {selectedId ? (
            <UserDetail key={selectedId} id={selectedId} onChanged={users.reload} />
          ) : (
            <Card>
              <p class="muted">{t('users.pick')}</p>
            </Card>
          )}
        </div>
      </div>
      {creating && (
        <NewUserModal
          onClose={() => setCreating(false)}
          onCreated={(user) => {
            setCreating(false);
            users.reload();
            navigate(`/users/${user.id}`);
          }}
        />
      )}
    </>
  );
}

function NewUserModal(props: {
  onClose: () => void;
  onCreated: (user: User) => void;
}): preact.JSX.Element {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState<User['role']>('user');
  const [group, setGroup] = useState('');
  const limits = useLimitsDraft({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      const body = {
        name: name.trim(),
        role,
        limits: limits.toLimits(),
        ...(group.trim() && { providerGroup: group.trim() }),
      };
      props.onCreated(await api.post<User>('/api/users', body));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Modal title={t('users.new')} onClose={props.onClose}>
      <form onSubmit={(event) => void submit(event)} class="form">
        <div class="form-grid">
          <Field label={t('common.name')}>
            <input
              name="name"
              required
              value={name}
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
            />
          </Field>
          <Field label={t('common.role')}>
            <select
              name="role"
              value={role}
              onChange={(e) => setRole((e.target as HTMLSelectElement).value as User['role'])}
            >
              {(['user', 'finance', 'admin'] as const).map((value) => (
                <option key={value} value={value}>
                  {t(`role.${value}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('common.group')}>
            <input
              name="providerGroup"
              placeholder="default"
              value={group}
              onInput={(e) => setGroup((e.target as HTMLInputElement).value)}
            />
          </Field>
        </div>
        <h3>{t('users.limits')}</h3>
        <LimitsFields draft={limits} />
        <DialogFormFooter
          error={error}
          busy={busy}
          submitLabel={t('common.create')}
          onCancel={props.onClose}
        />
      </form>
    </Modal>
  );
}

function UserDetail(props: { id: string; onChanged: () => void }): preact.JSX.Element {
  const { t } = useI18n();
  const user = useAsync(() => api.get<User>(`/api/users/${props.id}`), [props.id]);
  return (
    <Loaded state={user}>
      {(data) => (
        <>
          <UserSummary
            user={data}
            onChanged={() => {
              user.reload();
              props.onChanged();
            }}
          />
          <KeysCard userId={data.id} />
          <Card title={t('users.limits')}>
            <LimitsEditor key={data.id} user={data} onSaved={user.reload} />
          </Card>
        </>
      )}
    </Loaded>
  );
}

function UserSummary(props: { user: User; onChanged: () => void }): preact.JSX.Element {
  const { t, locale } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const { user } = props;
  const toggle = async (): Promise<void> => {
    try {
      await api.patch(`/api/users/${user.id}`, { enabled: !user.enabled });
      props.onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Card
      title={
        <span class="title-with-badges">
          <span data-testid="user-name">{user.name}</span>
          <Badge tone="info">{t(`role.${user.role}`)}</Badge>
          <Badge tone={user.enabled ? 'ok' : 'muted'}>
            {user.enabled ? t('common.enabled') : t('common.disabled')}
          </Badge>
        </span>
      }
      actions={
        <button
          class={`btn btn-small ${user.enabled ? 'btn-danger-ghost' : ''}`}
          onClick={() => void toggle()}
          data-testid="toggle-user"
        >
          {user.enabled ? t('common.disable') : t('common.enable')}
        </button>
      }
    >
      <dl class="facts">
        <dt>{t('common.group')}</dt>
        <dd>{user.providerGroup ?? 'default'}</dd>
        <dt>{t('users.expires')}</dt>
        <dd>{formatTime(user.expiresAt, locale)}</dd>
        <dt>{t('common.created')}</dt>
        <dd>{formatTime(user.createdAt, locale)}</dd>
      </dl>
      <ErrorText error={error} />
    </Card>
  );
}

function LimitsEditor(props: { user: User; onSaved: () => void }): preact.JSX.Element {
  const { t } = useI18n();
  const draft = useLimitsDraft(props.user.limits);
  const [state, setState] = useState<{ error?: unknown; saved?: boolean; busy?: boolean }>({});
  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setState({ busy: true });
    try {
      await api.patch(`/api/users/${props.user.id}`, { limits: draft.toLimits() });
      setState({ saved: true });
      props.onSaved();
    } catch (error) {
      setState({ error });
    }
  };
  return (
    <form class="form" onSubmit={(event) => void save(event)} data-testid="limits-form">
      <LimitsFields draft={draft} />
      <ErrorText error={state.error} />
      <div class="form-actions">
        {state.saved && <span class="ok-text">{t('users.saved')}</span>}
        <button class="btn btn-primary" type="submit" disabled={state.busy}>
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
