import { api, type Session } from '../api';
import { DailyChart, ShareBars } from '../chart';
import {
  dailySeries,
  formatCompact,
  formatInt,
  formatTime,
  formatUsd,
  isoDate,
  timeZone,
  totalTokens,
} from '../format';
import { useI18n } from '../i18n';
import type { CostReport, HealthResult } from '../types';
import { Badge, Card, Loaded, PageHead, Stat, useAsync } from '../ui';

interface ProviderStatus {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  breaker: 'closed' | 'open' | 'half-open';
  health: HealthResult | null;
}

interface OverviewData {
  today: CostReport;
  monthByUser: CostReport;
  monthByModel: CostReport;
  monthByDay: CostReport;
  monthStart: string;
  tomorrow: string;
}

async function loadOverview(): Promise<OverviewData> {
  const now = new Date();
  const tz = timeZone();
  const today = isoDate(now);
  const tomorrow = isoDate(new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1));
  const monthStart = isoDate(new Date(now.getFullYear(), now.getMonth(), 1));
  const report = (groupBy: string, from: string): Promise<CostReport> =>
    api.get<CostReport>('/api/reports/costs', { groupBy, from, to: tomorrow, tz });
  const [todayReport, monthByUser, monthByModel, monthByDay] = await Promise.all([
    report('model', today),
    report('user', monthStart),
    report('model', monthStart),
    report('day', monthStart),
  ]);
  return { today: todayReport, monthByUser, monthByModel, monthByDay, monthStart, tomorrow };
}

export function OverviewPage(_props: { session: Session }): preact.JSX.Element {
  const { t, locale } = useI18n();
  const overview = useAsync(loadOverview, []);
  const providers = useAsync(() => api.get<ProviderStatus[]>('/api/providers/status'), []);

  return (
    <>
      <PageHead
        title={t('nav.overview')}
        actions={
          <button
            class="btn"
            onClick={() => {
              overview.reload();
              providers.reload();
            }}
            aria-label="refresh"
          >
            ↻
          </button>
        }
      />
      <Loaded state={overview}>
        {(data) => (
          <>
            <div class="stats" data-testid="overview-stats">
              <Stat
                label={`${t('overview.today')} · ${t('metric.requests')}`}
                value={formatInt(data.today.totals.requests, locale)}
              />
              <Stat
                label={`${t('overview.today')} · ${t('metric.tokens')}`}
                value={formatCompact(totalTokens(data.today.totals.tokens), locale)}
              />
              <Stat
                label={`${t('overview.today')} · ${t('metric.cost')}`}
                value={formatUsd(data.today.totals.costUsd, locale)}
              />
              <Stat
                label={`${t('overview.month')} · ${t('metric.requests')}`}
                value={formatInt(data.monthByUser.totals.requests, locale)}
              />
              <Stat
                label={`${t('overview.month')} · ${t('metric.tokens')}`}
                value={formatCompact(totalTokens(data.monthByUser.totals.tokens), locale)}
              />
              <Stat
                label={`${t('overview.month')} · ${t('metric.cost')}`}
                value={formatUsd(data.monthByUser.totals.costUsd, locale)}
              />
            </div>
            <Card title={t('overview.daily')}>
              {data.monthByDay.rows.length === 0 ? (
                <p class="muted">{t('common.empty')}</p>
              ) : (
                <DailyChart
                  {...dailySeries(data.monthByDay.rows, data.monthStart, data.tomorrow)}
                  label={t('metric.cost')}
                  locale={locale}
                />
              )}
            </Card>
            <div class="grid-2">
              <Card title={t('overview.topUsers')}>
                <TopList report={data.monthByUser} />
              </Card>
              <Card title={t('overview.topModels')}>
                <TopList report={data.monthByModel} />
              </Card>
            </div>
          </>
        )}
      </Loaded>
      <Card title={t('overview.providers')}>
        <Loaded state={providers}>
          {(list) =>
            list.length === 0 ? (
              <p class="muted">{t('common.empty')}</p>
            ) : (
              <div class="table-wrap">
                <table class="table" data-testid="provider-status">
                  <thead>
                    <tr>
                      <th>{t('common.name')}</th>
                      <th class="hide-sm">{t('providers.type')}</th>
                      <th>{t('overview.health')}</th>
                      <th>{t('overview.breaker')}</th>
                      <th class="num hide-sm">{t('overview.latency')}</th>
                      <th class="hide-sm">{t('overview.checked')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((provider) => (
                      <tr key={provider.id} class={provider.enabled ? '' : 'row-muted'}>
                        <td>{provider.name}</td>
                        <td class="hide-sm">{provider.type}</td>
                        <td>
                          {provider.health === null ? (
                            <Badge tone="muted">{t('health.unknown')}</Badge>
                          ) : provider.health.ok ? (
                            <Badge tone="ok">{t('health.ok')}</Badge>
                          ) : (
                            <Badge tone="bad">{t('health.down')}</Badge>
                          )}
                        </td>
                        <td>
                          <Badge
                            tone={
                              provider.breaker === 'closed'
                                ? 'ok'
                                : provider.breaker === 'open'
                                  ? 'bad'
                                  : 'warn'
                            }
                          >
                            {t(`breaker.${provider.breaker}`)}
                          </Badge>
                        </td>
                        <td class="num hide-sm">
                          {provider.health ? `${provider.health.latencyMs} ms` : '—'}
                        </td>
                        <td class="hide-sm">{formatTime(provider.health?.checkedAt, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Card>
    </>
  );
}

function TopList(props: { report: CostReport }): preact.JSX.Element {
  const { t, locale } = useI18n();
  const rows = props.report.rows.slice(0, 5);
  if (rows.length === 0) return <p class="muted">{t('common.empty')}</p>;
  return (
    <ShareBars
      rows={rows.map((row) => ({
        label: row.name ?? row.id ?? '—',
        value: Number(row.costUsd),
        display: `${formatUsd(row.costUsd, locale)} · ${formatInt(row.requests, locale)} ${t('metric.requests').toLowerCase()}`,
      }))}
    />
  );
}
