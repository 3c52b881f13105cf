import { IrContentBlock } from './ir-content';
import { IrUsage } from './ir-usage';

/** Why generation stopped, in the IR's vocabulary (see protocols.md §C.1). */
export type IrStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'refusal'
  | 'pause_turn'
  | 'context_window_exceeded';

export interface IrResponse {
  id: string;
  model: string;
  /** Only assistant-side blocks: text, reasoning, tool_call. */
  content: IrContentBlock[];
  stopReason: IrStopReason;
  stopSequence?: string;
  usage: IrUsage;
}
