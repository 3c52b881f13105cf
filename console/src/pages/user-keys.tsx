import { useState } from 'preact/hooks';
import { api } from '../api';
import { formatTime } from '../format';
import { handOffKey } from '../handoff';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import type { ApiKey, CreatedKey } from '../types';
import {
  Badge,
  Card,
  CopyButton,
  DialogFormFooter,
  ErrorText,
  Field,
  Loaded,
  Modal,
  useAsync,
} from '../ui';

/** A user's keys: add one (its secret shown once), revoke one. */
export function KeysCard(props: { userId: string }): preact.JSX.Element {
  const { t, locale } = useI18n();
  const keys = useAsync(() => api.get<ApiKey[]>(`/api/users/${props.userId}/keys`), [props.userId]);
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const revoke = async (key: ApiKey): Promise<void> => {
    if (!window.confirm(t('keys.confirmRevoke', { name: key.name }))) return;
    try {
      await api.del(`/api/keys/${key.id}`);
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Card
      title={t('users.keys')}
      actions={
        <button
          class="btn btn-primary btn-small"
          onClick={() => setAdding(true)}
          data-testid="add-key"
        >
          + {t('keys.add')}
        </button>
      }
    >
      <ErrorText error={error} />
      <Loaded state={keys}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">{t('keys.none')}</p>
          ) : (
            <div class="table-wrap">
              <table class="table" data-testid="key-table">
                <thead>
                  <tr>
                    <th>{t('common.name')}</th>
                    <th>{t('keys.prefix')}</th>
                    <th>{t('common.status')}</th>
                    <th>{t('keys.lastUsed')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((key) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td>
                        <code>{key.keyPrefix}…</code>
                      </td>
                      <td>
                        {key.revokedAt ? (
                          <Badge tone="bad">{t('keys.revoked')}</Badge>
                        ) : (
                          <Badge tone="ok">{t('keys.active')}</Badge>
                        )}
                      </td>
                      <td>{formatTime(key.lastUsedAt, locale)}</td>
                      <td class="cell-actions">
                        {!key.revokedAt && (
                          <button
                            class="btn btn-small btn-danger-ghost"
                            onClick={() => void revoke(key)}
                          >
                            {t('keys.revoke')}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {adding && (
        <AddKeyModal
          userId={props.userId}
          onClose={() => setAdding(false)}
          onCreated={(key) => {
            setAdding(false);
            setCreated(key);
            keys.reload();
          }}
        />
      )}
      {created && <CreatedKeyModal created={created} onClose={() => setCreated(null)} />}
    </Card>
  );
}

function AddKeyModal(props: {
  userId: string;
  onClose: () => void;
  onCreated: (key: CreatedKey) => void;
}): preact.JSX.Element {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      props.onCreated(
        await api.post<CreatedKey>(`/api/users/${props.userId}/keys`, { name: name.trim() }),
      );
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Modal title={t('keys.add')} onClose={props.onClose}>
      <form class="form" onSubmit={(event) => void submit(event)}>
        <Field label={t('keys.name')}>
          <input
            name="keyName"
            required
            placeholder="laptop"
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </Field>
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

/** The only time the secret is on screen: closing the dialog drops it from memory. */
function CreatedKeyModal(props: { created: CreatedKey; onClose: () => void }): preact.JSX.Element {
  const { t } = useI18n();
  return (
    <Modal
      title={t('keys.createdTitle')}
      onClose={props.onClose}
      footer={
        <>
          <button
            class="btn"
            onClick={() => {
              handOffKey(props.created.key);
              navigate('/setup');
            }}
          >
            {t('keys.setupWithKey')}
          </button>
          <button class="btn btn-primary" onClick={props.onClose} data-testid="close-secret">
            {t('common.close')}
          </button>
        </>
      }
    >
      <p class="alert alert-warn">{t('keys.createdHelp')}</p>
      <div class="secret">
        <code data-testid="new-key-secret">{props.created.key}</code>
        <CopyButton text={props.created.key} />
      </div>
    </Modal>
  );
}
