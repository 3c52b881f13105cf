/**
 * Reasoning state made by one protocol family must reach the same family next turn, through
 * clients that only echo their own protocol's field (see protocols.md §C.0).
 *
 * Rule: inside the IR, `providerState` is ALWAYS tagged with the family that made it.
 * - Decoders (of client requests and of upstream answers) tag the native values they read.
 * - Encoders towards a client write the native value when the family is the client's own, and the
 *   tagged envelope otherwise (the client echoes it verbatim; it comes back next turn).
 * - Encoders towards an upstream write the native value of their own family and drop the rest:
 *   an upstream rejects another family's signature.
 */
export type ReasoningFamily = 'anthropic' | 'openai' | 'gemini';

const TAGGED = /^cch1\.(anthropic|openai|gemini)\.([A-Za-z0-9_-]*)$/;

export function tagReasoningState(family: ReasoningFamily, state: string): string {
  return `cch1.${family}.${Buffer.from(state, 'utf8').toString('base64url')}`;
}

/** The family and raw state of a tagged value, or null for an untagged one. */
export function untagReasoningState(
  value: string,
): { family: ReasoningFamily; state: string } | null {
  const match = TAGGED.exec(value);
  if (!match) return null;
  return {
    family: match[1] as ReasoningFamily,
    state: Buffer.from(match[2] ?? '', 'base64url').toString('utf8'),
  };
}

/** Decoders: a value read from the wire of `family` into the IR (envelopes stay as they are). */
export function toIrState(family: ReasoningFamily, wireValue: string): string {
  return TAGGED.test(wireValue) ? wireValue : tagReasoningState(family, wireValue);
}

/** Encoders towards a client of `family`: native when it is theirs, else the envelope. */
export function stateForClient(family: ReasoningFamily, irState: string): string {
  const tagged = untagReasoningState(irState);
  return tagged && tagged.family === family ? tagged.state : irState;
}

/** Encoders towards an upstream of `family`: native when it is theirs, else nothing. */
export function stateForUpstream(
  family: ReasoningFamily,
  irState: string | undefined,
): string | undefined {
  if (irState === undefined) return undefined;
  const tagged = untagReasoningState(irState);
  return tagged && tagged.family === family ? tagged.state : undefined;
}
