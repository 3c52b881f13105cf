import { AttemptNote } from '../billing/attempt-note';
import { ConvertedResult } from './converted-attempt';
import { AttemptResult } from './passthrough-attempt';
import { RoutedCandidate } from './provider-router.service';

/** The ledger's note of one attempt, from whichever lane (passthrough or converted) made it. */
export function attemptNote(
  candidate: RoutedCandidate,
  result: AttemptResult | ConvertedResult,
  ms: number,
): AttemptNote {
  const httpStatus = attemptStatus(result);
  return {
    providerId: candidate.provider.entity.id,
    providerType: candidate.provider.entity.type,
    outcome:
      result.kind === 'retry'
        ? result.errorClass
        : httpStatus !== null && httpStatus >= 400
          ? `upstream_${httpStatus}`
          : 'ok',
    httpStatus,
    ms: Math.round(ms),
  };
}

function attemptStatus(result: AttemptResult | ConvertedResult): number | null {
  switch (result.kind) {
    case 'retry':
      return result.status;
    case 'stream':
      return 200;
    case 'reject':
      return result.status;
    case 'json':
      return 'status' in result ? result.status : 200;
  }
}
