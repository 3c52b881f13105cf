import { useState } from 'preact/hooks';
import { formatInt, formatTime, formatUsd } from '../format';
import { useI18n } from '../i18n';
import type { AttemptEntry, UsageRecord } from '../types';
import { Badge, Modal } from '../ui';

export interface NameMaps {
  users: Map<string, string>;
  providers: Map<string, string>;
}

const STATUS_TONE = { success: 'ok', error: 'bad', aborted: 'warn' } as const;

/** The ledger rows; a click opens the request detail. Shared by the usage log and "my usage". */
export function UsageTable(props: {
  items: UsageRecord[];
  names: NameMaps;
  showUser: boolean;
}): preact.JSX.Element {
  const { t, locale } = useI18n();
  const [open, setOpen] = useState<UsageRecord | null>(null);
  if (props.items.length === 0) return <p class="muted">{t('common.empty')}</p>;
  return (
    <>
      <div class="table-wrap">
        <table class="table table-hover table-nowrap" data-testid="usage-table">
          <thead>
            <tr>
              <th>{t('usage.time')}</th>
              {props.showUser && <th>{t('usage.user')}</th>}
              <th>{t('usage.model')}</th>
              {props.showUser && <th class="hide-sm">{t('usage.provider')}</th>}
              <th>{t('common.status')}</th>
              <th class="num hide-sm">{t('metric.input')}</th>
              <th class="num hide-sm">{t('metric.output')}</th>
              <th class="num">{t('metric.cost')}</th>
              <th class="num hide-sm">{t('usage.duration')}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((record) => (
              <tr
                key={record.requestId}
                onClick={() => setOpen(record)}
                data-request-id={record.requestId}
              >
                <td class="nowrap">{formatTime(record.createdAt, locale)}</td>
                {props.showUser && (
                  <td>{props.names.users.get(record.userId) ?? record.userId.slice(0, 8)}</td>
                )}
                <td>{record.requestedModel}</td>
                {props.showUser && (
                  <td class="hide-sm">
                    {record.providerId
                      ? (props.names.providers.get(record.providerId) ??
                        record.providerId.slice(0, 8))
                      : '—'}
                  </td>
                )}
                <td>
                  <Badge tone={STATUS_TONE[record.status]}>
                    {t(`usage.status.${record.status}`)}
                  </Badge>
                </td>
                <td class="num hide-sm">{formatInt(record.inputTokens, locale)}</td>
                <td class="num hide-sm">{formatInt(record.outputTokens, locale)}</td>
                <td class="num">{formatUsd(record.costUsd, locale)}</td>
                <td class="num hide-sm">{formatInt(record.durationMs, locale)} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && <UsageDetail record={open} names={props.names} onClose={() => setOpen(null)} />}
    </>
  );
}

function UsageDetail(props: {
  record: UsageRecord;
  names: NameMaps;
  onClose: () => void;
}): preact.JSX.Element {
  const { t, locale } = useI18n();
  const { record, names } = props;
  const providerName = (id: string | null | undefined): string =>
    id ? (names.providers.get(id) ?? id) : '—';
  const facts: [string, string][] = [
    [t('usage.requestId'), record.requestId],
    [t('usage.time'), formatTime(record.createdAt, locale)],
    [t('usage.user'), names.users.get(record.userId) ?? record.userId],
    [t('usage.client'), `${record.clientName} (${record.clientProtocol})`],
    [t('usage.requestedModel'), record.requestedModel],
    [t('usage.upstreamModel'), record.upstreamModel ?? '—'],
    [
      t('usage.chosen'),
      `${providerName(record.providerId)}${record.providerProtocol ? ` (${record.providerProtocol})` : ''}`,
    ],
    [t('usage.attempts'), String(record.attempts)],
    [t('common.status'), t(`usage.status.${record.status}`)],
    [t('usage.httpStatus'), record.httpStatus === null ? '—' : String(record.httpStatus)],
    [t('usage.errorClass'), record.errorClass ?? '—'],
    [t('usage.stream'), record.stream ? '✓' : '—'],
    [t('usage.duration'), `${formatInt(record.durationMs, locale)} ms`],
    [t('usage.ttfb'), record.ttfbMs === null ? '—' : `${formatInt(record.ttfbMs, locale)} ms`],
    [t('usage.session'), record.sessionId ?? '—'],
    [t('metric.input'), formatInt(record.inputTokens, locale)],
    [t('metric.output'), formatInt(record.outputTokens, locale)],
    [t('metric.cacheRead'), formatInt(record.cacheReadTokens, locale)],
    [t('metric.cost'), formatUsd(record.costUsd, locale)],
  ];
  const log: AttemptEntry[] | null = Array.isArray(record.attemptLog) ? record.attemptLog : null;
  return (
    <Modal title={t('usage.detail')} onClose={props.onClose}>
      <dl class="facts facts-wide" data-testid="usage-detail">
        {facts.map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd class="break">{value}</dd>
          </>
        ))}
      </dl>
      <h3>{t('usage.attemptLog')}</h3>
      {log && log.length > 0 ? (
        <ol class="attempts" data-testid="attempt-log">
          {log.map((attempt, index) => (
            <li key={index}>
              <strong>{providerName(attempt.providerId)}</strong>
              {attempt.providerType && <span class="muted">{attempt.providerType}</span>}
              {attempt.outcome && (
                <Badge tone={attempt.outcome === 'ok' ? 'ok' : 'bad'}>{attempt.outcome}</Badge>
              )}
              <span class="muted">
                {[
                  typeof attempt.httpStatus === 'number' ? `HTTP ${attempt.httpStatus}` : null,
                  typeof attempt.ms === 'number' ? `${attempt.ms} ms` : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{t('usage.noAttemptLog')}</p>
      )}
    </Modal>
  );
}
