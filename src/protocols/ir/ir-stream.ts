import { IrStopReason } from './ir-response';
import { IrUsage } from './ir-usage';

/**
 * The events every stream decoder produces and every stream encoder consumes. Blocks are opened,
 * filled by deltas and closed, one at a time per index, in the order they appear in the answer.
 */
export type IrStreamEvent =
  | { type: 'start'; id: string; model: string; usage?: Partial<IrUsage> }
  | { type: 'block_start'; index: number; block: IrBlockStart }
  | { type: 'text_delta'; index: number; text: string }
  | { type: 'reasoning_delta'; index: number; text: string }
  /** Opaque reasoning state (signature, encrypted_content, thoughtSignature) for the block. */
  | { type: 'reasoning_state'; index: number; state: string }
  | { type: 'tool_args_delta'; index: number; json: string }
  | { type: 'block_stop'; index: number }
  /** Usage may be partial mid-stream; the finish event carries the final numbers. */
  | { type: 'usage'; usage: Partial<IrUsage> }
  | { type: 'finish'; stopReason: IrStopReason; stopSequence?: string; usage: IrUsage }
  | { type: 'error'; status: number; errorType: string; message: string };

export type IrBlockStart =
  | { kind: 'text' }
  | { kind: 'reasoning'; redacted?: boolean; providerState?: string; id?: string }
  | { kind: 'tool_call'; id: string; name: string; providerState?: string };
