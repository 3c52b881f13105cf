import { useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { LIMIT_FIELDS, type LimitField, type Limits } from '../types';
import { Field } from '../ui';

const INTEGER_FIELDS: LimitField[] = ['rpm', 'concurrentSessions'];

/** Editable limits: empty means no limit. USD stays a decimal string. */
export function useLimitsDraft(initial: Limits): {
  values: Record<LimitField, string>;
  set: (field: LimitField, value: string) => void;
  toLimits: () => Limits;
} {
  const [values, setValues] = useState<Record<LimitField, string>>(
    () =>
      Object.fromEntries(
        LIMIT_FIELDS.map((field) => [
          field,
          initial[field] === undefined ? '' : String(initial[field]),
        ]),
      ) as Record<LimitField, string>,
  );
  return {
    values,
    set: (field, value) => setValues((previous) => ({ ...previous, [field]: value })),
    toLimits: () => {
      const limits: Limits = {};
      for (const field of LIMIT_FIELDS) {
        const value = values[field].trim();
        if (value === '') continue;
        Object.assign(limits, { [field]: INTEGER_FIELDS.includes(field) ? Number(value) : value });
      }
      return limits;
    },
  };
}

export function LimitsFields(props: {
  draft: ReturnType<typeof useLimitsDraft>;
}): preact.JSX.Element {
  const { t } = useI18n();
  return (
    <div class="form-grid">
      {LIMIT_FIELDS.map((field) => (
        <Field key={field} label={t(`limits.${field}`)}>
          <input
            name={`limit-${field}`}
            inputMode={INTEGER_FIELDS.includes(field) ? 'numeric' : 'decimal'}
            placeholder={t('common.unlimited')}
            value={props.draft.values[field]}
            onInput={(event) => props.draft.set(field, (event.target as HTMLInputElement).value)}
          />
        </Field>
      ))}
    </div>
  );
}
