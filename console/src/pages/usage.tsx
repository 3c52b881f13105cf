import { useState } from 'preact/hooks';
import { api } from '../api';
import { loadNames } from '../names';
import { useI18n } from '../i18n';
import type { Page, UsageRecord } from '../types';
import { Card, Field, Loaded, PageHead, Pager, useAsync } from '../ui';
import { UsageTable } from './usage-table';

const PAGE_SIZE = 25;

interface Filters {
  userId: string;
  providerId: string;
  model: string;
  status: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { userId: '', providerId: '', model: '', status: '', from: '', to: '' };

/** datetime-local has no zone: read it as local time and send an instant. */
function instant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

export function UsagePage(): preact.JSX.Element {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [page, setPage] = useState(1);
  const names = useAsync(loadNames, []);
  const usage = useAsync(
    () =>
      api.get<Page<UsageRecord>>('/api/usage', {
        page,
        pageSize: PAGE_SIZE,
        userId: filters.userId,
        providerId: filters.providerId,
        model: filters.model.trim(),
        status: filters.status,
        from: instant(filters.from),
        to: instant(filters.to),
      }),
    [page, filters],
  );
  const set = (field: keyof Filters) => (event: Event) =>
    setDraft({ ...draft, [field]: (event.target as HTMLInputElement).value });
  return (
    <>
      <PageHead
        title={t('usage.title')}
        actions={
          <button class="btn" onClick={usage.reload}>
            ↻
          </button>
        }
      />
      <Card>
        <form
          class="filters"
          onSubmit={(event) => {
            event.preventDefault();
            setPage(1);
            setFilters(draft);
          }}
        >
          <Field label={t('usage.user')}>
            <select name="userId" value={draft.userId} onChange={set('userId')}>
              <option value="">{t('common.all')}</option>
              {[...(names.data?.users ?? new Map<string, string>())].map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('usage.provider')}>
            <select name="providerId" value={draft.providerId} onChange={set('providerId')}>
              <option value="">{t('common.all')}</option>
              {[...(names.data?.providers ?? new Map<string, string>())].map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('usage.model')}>
            <input name="model" value={draft.model} onInput={set('model')} />
          </Field>
          <Field label={t('common.status')}>
            <select name="status" value={draft.status} onChange={set('status')}>
              <option value="">{t('common.all')}</option>
              {(['success', 'error', 'aborted'] as const).map((status) => (
                <option key={status} value={status}>
                  {t(`usage.status.${status}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('common.from')}>
            <input type="datetime-local" name="from" value={draft.from} onInput={set('from')} />
          </Field>
          <Field label={t('common.to')}>
            <input type="datetime-local" name="to" value={draft.to} onInput={set('to')} />
          </Field>
          <div class="filters-submit">
            <button class="btn btn-primary" type="submit">
              {t('common.apply')}
            </button>
          </div>
        </form>
      </Card>
      <Card>
        <Loaded state={usage}>
          {(data) => (
            <>
              <UsageTable
                items={data.items}
                names={names.data ?? { users: new Map(), providers: new Map() }}
                showUser
              />
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
