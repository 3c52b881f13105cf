import { useState } from 'preact/hooks';
import { takeHandedOffKey } from '../handoff';
import { type MessageKey, useI18n } from '../i18n';
import { clientSetups } from '../templates';
import { Card, CopyButton, Field, PageHead } from '../ui';

const NOTES: Record<string, MessageKey> = {
  claude: 'setup.claude.note',
  codex: 'setup.codex.note',
  gemini: 'setup.gemini.note',
  droid: 'setup.droid.note',
};

export function SetupPage(): preact.JSX.Element {
  const { t } = useI18n();
  const [key, setKey] = useState(() => takeHandedOffKey() ?? '');
  const [baseUrl, setBaseUrl] = useState(window.location.origin);
  const [client, setClient] = useState<string>('claude');
  const setups = clientSetups(key.trim() || 'your-api-key-here', baseUrl);
  const setup = setups.find((entry) => entry.id === client) ?? setups[0];
  return (
    <>
      <PageHead title={t('setup.title')} />
      <Card>
        <p class="muted">{t('setup.help')}</p>
        <div class="form-grid">
          <Field label={t('setup.key')} wide>
            <input
              name="setupKey"
              autocomplete="off"
              spellcheck={false}
              placeholder={t('setup.keyPlaceholder')}
              value={key}
              onInput={(event) => setKey((event.target as HTMLInputElement).value)}
            />
          </Field>
          <Field label={t('setup.baseUrl')} wide>
            <input
              name="baseUrl"
              type="url"
              value={baseUrl}
              onInput={(event) => setBaseUrl((event.target as HTMLInputElement).value)}
            />
          </Field>
        </div>
        {!key.trim() && <p class="hint">{t('setup.missingKey')}</p>}
      </Card>
      <div class="tabs tabs-pill" role="tablist">
        {setups.map((entry) => (
          <button
            key={entry.id}
            role="tab"
            aria-selected={entry.id === client}
            class={`tab ${entry.id === client ? 'active' : ''}`}
            onClick={() => setClient(entry.id)}
            data-client={entry.id}
          >
            {entry.name}
          </button>
        ))}
      </div>
      {setup && (
        <>
          <p class="hint">{t(NOTES[setup.id] ?? 'setup.claude.note')}</p>
          {setup.files.map((file) => (
            <Card
              key={file.path}
              title={<code>{file.path}</code>}
              actions={<CopyButton text={file.content} />}
            >
              <pre class="code" data-file={file.path}>
                {file.content}
              </pre>
            </Card>
          ))}
        </>
      )}
    </>
  );
}
