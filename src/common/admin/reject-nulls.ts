import { BadRequestException } from '@nestjs/common';

/**
 * PATCH bodies may leave a field out but not null it when its column cannot be empty:
 * `@IsOptional()` lets null through, so such fields are refused here with the same 400 shape
 * the validation pipe uses.
 */
export function rejectNulls<T extends object>(dto: T, fields: readonly (keyof T & string)[]): void {
  const nulls = fields.filter((field) => dto[field] === null);
  if (nulls.length === 0) return;
  const messages = nulls.map((field) => `${field} must not be null`);
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: messages,
    fields: nulls.map((field, index) => ({ field, messages: [messages[index]] })),
  });
}
