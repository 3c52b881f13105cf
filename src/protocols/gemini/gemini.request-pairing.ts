/**
 * Pairs functionResponse parts with functionCall parts in a Gemini conversation and gives calls
 * without an id a deterministic one (see gemini.request.ts for the rules).
 */
import { isRecord, stringOrNull } from '../common/json-narrowing';

interface PendingCall {
  id: string;
  name: string;
  /** The id was made up here, so a result with an id of its own can still pair by name. */
  synthetic: boolean;
}

/** Every `id` written on a functionCall/functionResponse part of the conversation. */
function explicitIds(contents: unknown[]): Set<string> {
  const ids = new Set<string>();
  for (const content of contents) {
    if (!isRecord(content) || !Array.isArray(content.parts)) continue;
    for (const part of content.parts) {
      if (!isRecord(part)) continue;
      for (const call of [part.functionCall, part.functionResponse]) {
        const id = isRecord(call) ? stringOrNull(call.id) : null;
        if (id !== null && id.length > 0) ids.add(id);
      }
    }
  }
  return ids;
}

export class GeminiToolCallPairing {
  private readonly taken: Set<string>;
  private readonly pending: PendingCall[] = [];
  private counter = 0;

  constructor(contents: unknown[]) {
    this.taken = explicitIds(contents);
  }

  /** The id of a functionCall part, made up when it has none; the call then awaits its result. */
  callId(id: string | null, name: string): string {
    const synthetic = id === null || id.length === 0;
    const callId = synthetic ? this.synthesize() : id;
    this.pending.push({ id: callId, name, synthetic });
    return callId;
  }

  /**
   * The id of the call a functionResponse answers: the pending call with its id, else the oldest
   * pending call of the same name (one whose id was made up, when the result has an id).
   */
  resultId(id: string | null, name: string): string {
    const ownId = id !== null && id.length > 0 ? id : null;
    let index = ownId !== null ? this.pending.findIndex((call) => call.id === ownId) : -1;
    if (index < 0) {
      index = this.pending.findIndex(
        (call) => call.name === name && (ownId === null || call.synthetic),
      );
    }
    if (index >= 0) return this.pending.splice(index, 1)[0].id;
    // A result for no call we saw: keep its id, or give it one so it stays a well-formed block.
    return ownId ?? this.synthesize();
  }

  private synthesize(): string {
    let id: string;
    do id = `call_${this.counter++}`;
    while (this.taken.has(id));
    this.taken.add(id);
    return id;
  }
}
