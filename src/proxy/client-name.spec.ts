import { clientNameOf } from './client-name';

describe('clientNameOf', () => {
  it.each([
    [
      { 'user-agent': 'claude-cli/2.1.197 (external, sdk-cli)', 'x-stainless-lang': 'js' },
      'claude-code',
    ],
    [{ 'user-agent': 'codex_exec/0.169.0 (Debian 12; x86_64)' }, 'codex'],
    [{ 'user-agent': 'something', originator: 'codex_cli_rs' }, 'codex'],
    [{ 'user-agent': 'GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64)' }, 'gemini-cli'],
    [{ 'user-agent': 'factory-cli/0.215.0' }, 'droid'],
    [{ 'user-agent': 'Anthropic/JS 0.94.0', 'x-stainless-lang': 'js' }, 'sdk'],
    [{ 'user-agent': 'curl/8.0' }, 'other'],
    [{}, 'other'],
  ])('should name %j as %s', (headers, expected) => {
    expect(clientNameOf(headers)).toBe(expected);
  });
});
