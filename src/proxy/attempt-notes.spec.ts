import { emptyUsage } from '../protocols/ir/ir-usage';
import { ProviderType } from '../providers/provider.entity';
import { attemptNote } from './attempt-notes';
import { RoutedCandidate } from './provider-router.service';

const candidate = {
  provider: { entity: { id: 'p-1', type: ProviderType.OpenAiChat } },
} as unknown as RoutedCandidate;

describe('attemptNote', () => {
  it('should name the failure class and status of a failed attempt', () => {
    const note = attemptNote(
      candidate,
      { kind: 'retry', errorClass: 'upstream_429', status: 429, retryAfter: '3' },
      12.6,
    );
    expect(note).toEqual({
      providerId: 'p-1',
      providerType: 'openai-chat',
      outcome: 'upstream_429',
      httpStatus: 429,
      ms: 13,
    });
  });

  it('should call a refusal the client caused by its status, not ok', () => {
    const note = attemptNote(candidate, { kind: 'reject', status: 400, body: {} }, 1);
    expect(note).toMatchObject({ outcome: 'upstream_400', httpStatus: 400 });
  });

  it('should mark converted answers, which carry no status, as ok with 200', () => {
    const note = attemptNote(
      candidate,
      { kind: 'json', body: {}, usage: emptyUsage(), stopReason: 'end_turn' },
      5,
    );
    expect(note).toMatchObject({ outcome: 'ok', httpStatus: 200 });
  });

  it('should keep the status of a passthrough answer', () => {
    const note = attemptNote(
      candidate,
      { kind: 'json', status: 201, contentType: 'application/json', body: Buffer.from('{}') },
      5,
    );
    expect(note).toMatchObject({ outcome: 'ok', httpStatus: 201 });
  });

  it('should mark a started stream as ok', () => {
    const stream = {
      kind: 'stream' as const,
      prefix: '',
      ttfbMs: 1,
      next: () => Promise.resolve(null),
      finish: () => '',
      fail: () => '',
      usage: emptyUsage,
      stopReason: () => null,
      finished: () => true,
      destroy: () => undefined,
    };
    expect(attemptNote(candidate, stream, 2)).toMatchObject({ outcome: 'ok', httpStatus: 200 });
  });
});
