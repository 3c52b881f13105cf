import { useState } from 'preact/hooks';
import { api } from '../api';
import { DailyChart, ShareBars } from '../chart';
import {
  dailySeries,
  formatCompact,
  formatInt,
  formatUsd,
  isoDate,
  timeZone,
  totalTokens,
} from '../format';
import { useI18n } from '../i18n';
import type { CostReport, CostRow } from '../types';
import { Card, Field, Loaded, PageHead, Stat, useAsync } from '../ui';

const GROUPS = ['user', 'model', 'provider', 'day'] as const;
type Group = (typeof GROUPS)[number];

function monthStart(): string {
  const now = new Date();
  return isoDate(new Date(now.getFullYear(), now.getMonth(), 1));
}

function tomorrow(): string {
  const now = new Date();
  return isoDate(new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1));
}

export function ReportsPage(): preact.JSX.Element {
  const { t, locale } = useI18n();
  const [groupBy, setGroupBy] = useState<Group>('user');
  const [range, setRange] = useState({ from: monthStart(), to: tomorrow() });
  const [draft, setDraft] = useState(range);
  const tz = timeZone();
  const query = { groupBy, from: range.from, to: range.to, tz };
  const report = useAsync(
    () => api.get<CostReport>('/api/reports/costs', query),
    [groupBy, range.from, range.to],
  );
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const download = (): void => {
    setDownloadError(null);
    api
      .download('/api/reports/costs', { ...query, format: 'csv' }, `cch-costs-${groupBy}.csv`)
      .catch((error: unknown) =>
        setDownloadError(error instanceof Error ? error.message : String(error)),
      );
  };
  const label = (row: CostRow): string => row.name ?? row.id ?? '—';
  return (
    <>
      <PageHead
        title={t('reports.title')}
        actions={
          <button class="btn" onClick={download} data-testid="csv">
            ⤓ {t('reports.csv')}
          </button>
        }
      />
      {downloadError && <div class="alert alert-error">{downloadError}</div>}
      <Card>
        <div class="toolbar">
          <div class="tabs" role="tablist" aria-label={t('reports.by')}>
            {GROUPS.map((group) => (
              <button
                key={group}
                role="tab"
                aria-selected={group === groupBy}
                class={`tab ${group === groupBy ? 'active' : ''}`}
                onClick={() => setGroupBy(group)}
                data-group={group}
              >
                {t(`reports.by.${group}`)}
              </button>
            ))}
          </div>
          <form
            class="range"
            onSubmit={(event) => {
              event.preventDefault();
              setRange(draft);
            }}
          >
            <Field label={t('common.from')}>
              <input
                type="date"
                name="from"
                value={draft.from}
                onInput={(e) => setDraft({ ...draft, from: (e.target as HTMLInputElement).value })}
              />
            </Field>
            <Field label={t('common.to')}>
              <input
                type="date"
                name="to"
                value={draft.to}
                onInput={(e) => setDraft({ ...draft, to: (e.target as HTMLInputElement).value })}
              />
            </Field>
            <button class="btn btn-primary" type="submit">
              {t('common.apply')}
            </button>
          </form>
        </div>
      </Card>
      <Loaded state={report}>
        {(data) => (
          <>
            <div class="stats">
              <Stat label={t('metric.requests')} value={formatInt(data.totals.requests, locale)} />
              <Stat
                label={t('metric.tokens')}
                value={formatCompact(totalTokens(data.totals.tokens), locale)}
              />
              <Stat label={t('metric.cost')} value={formatUsd(data.totals.costUsd, locale)} />
              <Stat
                label={t('metric.unpriced')}
                value={formatInt(data.totals.unpricedRequests, locale)}
              />
            </div>
            {data.rows.length > 0 && (
              <Card title={groupBy === 'day' ? t('reports.perDay') : t('reports.share')}>
                {groupBy === 'day' ? (
                  <DailyChart
                    {...dailySeries(data.rows, range.from, range.to)}
                    label={t('metric.cost')}
                    locale={locale}
                  />
                ) : (
                  <ShareBars
                    rows={data.rows.slice(0, 10).map((row) => ({
                      label: label(row),
                      value: Number(row.costUsd),
                      display: formatUsd(row.costUsd, locale),
                    }))}
                  />
                )}
              </Card>
            )}
            <Card>
              {data.rows.length === 0 ? (
                <p class="muted">{t('common.empty')}</p>
              ) : (
                <div class="table-wrap">
                  <table class="table" data-testid="report-table">
                    <thead>
                      <tr>
                        <th>{t(`reports.by.${groupBy}`)}</th>
                        <th class="num">{t('metric.requests')}</th>
                        <th class="num hide-sm">{t('metric.input')}</th>
                        <th class="num hide-sm">{t('metric.output')}</th>
                        <th class="num hide-sm">{t('metric.cacheRead')}</th>
                        <th class="num">{t('metric.cost')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.rows.map((row) => (
                        <tr key={row.id ?? 'none'}>
                          <td>{label(row)}</td>
                          <td class="num">{formatInt(row.requests, locale)}</td>
                          <td class="num hide-sm">{formatInt(row.tokens.input, locale)}</td>
                          <td class="num hide-sm">{formatInt(row.tokens.output, locale)}</td>
                          <td class="num hide-sm">{formatInt(row.tokens.cacheRead, locale)}</td>
                          <td class="num">{formatUsd(row.costUsd, locale)}</td>
                        </tr>
                      ))}
                    </tbody>
                    <tfoot>
                      <tr>
                        <td>{t('reports.total')}</td>
                        <td class="num">{formatInt(data.totals.requests, locale)}</td>
                        <td class="num hide-sm">{formatInt(data.totals.tokens.input, locale)}</td>
                        <td class="num hide-sm">{formatInt(data.totals.tokens.output, locale)}</td>
                        <td class="num hide-sm">
                          {formatInt(data.totals.tokens.cacheRead, locale)}
                        </td>
                        <td class="num">{formatUsd(data.totals.costUsd, locale)}</td>
                      </tr>
                    </tfoot>
                  </table>
                </div>
              )}
            </Card>
          </>
        )}
      </Loaded>
    </>
  );
}
