import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ConversionContext } from '../../protocols/protocol-adapter';

const logger = new Logger('Conversion');

/**
 * The live ConversionContext of one request: wall clock, random ids, a tool-name map shared by
 * the request encoder and the answer decoders, and debug logs of what was left out on purpose
 * (never the content itself).
 */
export function liveConversionContext(requestId: string): ConversionContext {
  const toolNames = new Map<string, string>();
  return {
    now: () => Date.now(),
    newId: (prefix: string) => `${prefix}${randomBytes(12).toString('base64url')}`,
    toolNames,
    dropped: (what: string) => logger.debug(`request ${requestId}: dropped ${what}`),
  };
}
