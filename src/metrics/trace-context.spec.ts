import { traceIdOf } from './trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const valid = `00-${TRACE}-00f067aa0ba902b7-01`;

describe('traceIdOf', () => {
  it('should return the trace id of a valid traceparent', () => {
    expect(traceIdOf({ traceparent: valid })).toBe(TRACE);
    expect(traceIdOf({ traceparent: ` ${valid} ` })).toBe(TRACE);
  });

  it('should accept fields appended by a later version', () => {
    expect(traceIdOf({ traceparent: `01-${TRACE}-00f067aa0ba902b7-01-extra` })).toBe(TRACE);
  });

  it.each([
    ['no header', undefined],
    ['garbage', 'not-a-traceparent'],
    ['upper-case hex', valid.toUpperCase()],
    ['version ff', `ff-${TRACE}-00f067aa0ba902b7-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version 00 with extra fields', `${valid}-extra`],
    ['a short trace id', `00-${TRACE.slice(1)}-00f067aa0ba902b7-01`],
  ])('should ignore %s', (_name, traceparent) => {
    expect(traceIdOf({ traceparent })).toBeNull();
  });
});
