import { ParseUUIDPipe } from '@nestjs/common';

/** `:id` params are uuids; anything else is a 400 before any query runs. */
export const uuidParam = new ParseUUIDPipe({ version: undefined });
