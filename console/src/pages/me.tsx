import { useState } from 'preact/hooks';
import { api, type Session } from '../api';
import { formatTime, formatUsd } from '../format';
import { useI18n } from '../i18n';
import type { ApiKey, BudgetStatus, Me, Page, UsageRecord } from '../types';
import { Badge, Card, Loaded, PageHead, Pager, useAsync } from '../ui';
import { UsageTable } from './usage-table';

/** A user's own page: budgets, keys and usage, all from /api/me (never anyone else's). */
export function MePage(props: { session: Session }): preact.JSX.Element {
  const { t } = useI18n();
  if (props.session.kind !== 'user')
    return <div class="alert alert-warn">{t('me.adminToken')}</div>;
  return <MyData session={props.session} />;
}

function MyData(props: { session: Session }): preact.JSX.Element {
  const { t, locale } = useI18n();
  const [page, setPage] = useState(1);
  const me = useAsync(
    () => api.get<Me>('/api/me', { tz: Intl.DateTimeFormat().resolvedOptions().timeZone }),
    [],
  );
  const keys = useAsync(() => api.get<ApiKey[]>('/api/me/keys'), []);
  const usage = useAsync(
    () => api.get<Page<UsageRecord>>('/api/me/usage', { page, pageSize: 25 }),
    [page],
  );
  const names = {
    users: new Map([[props.session.userId ?? '', props.session.userName ?? '']]),
    providers: new Map<string, string>(),
  };
  return (
    <>
      <PageHead
        title={t('me.title')}
        actions={
          <button
            class="btn"
            onClick={() => {
              me.reload();
              usage.reload();
              keys.reload();
            }}
          >
            ↻
          </button>
        }
      />
      <div class="grid-2">
        <Card title={t('me.budgets')}>
          <Loaded state={me}>{(data) => <Budgets budgets={data.limits.user.budgets} />}</Loaded>
        </Card>
        <Card title={t('me.keysTitle')}>
          <Loaded state={keys}>
            {(list) => (
              <ul class="list">
                {list.map((key) => (
                  <li key={key.id} class="list-item static">
                    <span class="list-main">
                      <span class="list-title">{key.name}</span>
                      <span class="list-sub">
                        <code>{key.keyPrefix}…</code> · {t('keys.lastUsed')}:{' '}
                        {formatTime(key.lastUsedAt, locale)}
                      </span>
                    </span>
                    {key.revokedAt ? (
                      <Badge tone="bad">{t('keys.revoked')}</Badge>
                    ) : (
                      <Badge tone="ok">{t('keys.active')}</Badge>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </Loaded>
        </Card>
      </div>
      <Card title={t('nav.usage')}>
        <Loaded state={usage}>
          {(data) => (
            <>
              <UsageTable items={data.items} names={names} showUser={false} />
              <Pager
                page={data.page}
                pageSize={data.pageSize}
                total={data.total}
                onPage={setPage}
              />
            </>
          )}
        </Loaded>
      </Card>
    </>
  );
}

function Budgets(props: { budgets: BudgetStatus[] }): preact.JSX.Element {
  const { t, locale } = useI18n();
  return (
    <ul class="budgets">
      {props.budgets.map((budget) => {
        const share = budget.limitUsd
          ? Math.min(1, Number(budget.spentUsd) / Number(budget.limitUsd))
          : 0;
        return (
          <li key={budget.window}>
            <div class="share-label">
              <span>{t(`me.window.${budget.window}`)}</span>
              <span>
                {formatUsd(budget.spentUsd, locale)} /{' '}
                {budget.limitUsd ? formatUsd(budget.limitUsd, locale) : t('common.unlimited')}
              </span>
            </div>
            <div class="share-track">
              <div
                class={`share-fill ${share > 0.9 ? 'hot' : ''}`}
                style={{ width: `${share * 100}%` }}
              />
            </div>
          </li>
        );
      })}
    </ul>
  );
}
