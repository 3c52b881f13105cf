import { LoggedApp, loggedAppFor } from '../support/logged-app';

/** GET `path`; the request id CCH gave it. */
async function get(app: LoggedApp, path: string): Promise<{ status: number; requestId: string }> {
  const response = await fetch(`${app.baseUrl}${path}`);
  await response.arrayBuffer();
  const requestId = response.headers.get('x-cch-request-id');
  if (requestId === null) throw new Error('no x-cch-request-id');
  return { status: response.status, requestId };
}

// One access line per request, on completion, with everything needed to read it alone; the
// arrival line only at debug (see AccessLogController).
describe('Access log', () => {
  describe('at info', () => {
    const app = loggedAppFor('info');

    it('should write one line per request, with method, path, status and time', async () => {
      const { status, requestId } = await get(app(), '/healthz');
      expect(status).toBe(200);
      const lines = app().linesOf(requestId);
      expect(lines).toHaveLength(1);
      const [line] = lines;
      expect(line).toMatchObject({
        level: 30,
        msg: 'request completed',
        req: { method: 'GET', url: '/healthz' },
        res: { statusCode: 200 },
      });
      expect(typeof line.responseTime).toBe('number');
      expect(line.responseTime as number).toBeGreaterThanOrEqual(0);
    });

    it('should give the status of a failed request and redact a key in its query', async () => {
      const { status, requestId } = await get(app(), '/no/such/route?key=AIza-secret-value&x=1');
      expect(status).toBe(404);
      const completed = app()
        .linesOf(requestId)
        .filter((line) => line.msg === 'request completed');
      expect(completed).toHaveLength(1);
      expect(completed[0]).toMatchObject({
        req: { method: 'GET', url: '/no/such/route?key=[redacted]&x=1' },
        res: { statusCode: 404 },
      });
      expect(JSON.stringify(app().lines)).not.toContain('AIza-secret-value');
    });

    it('should leave credentials in headers out of the line', async () => {
      const response = await fetch(`${app().baseUrl}/healthz`, {
        headers: {
          authorization: 'Bearer sk-cch-header-secret',
          'x-api-key': 'sk-cch-other-secret',
        },
      });
      const lines = app().linesOf(response.headers.get('x-cch-request-id'));
      expect(lines).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toMatch(/header-secret|other-secret/);
    });
  });

  describe('at debug', () => {
    const app = loggedAppFor('debug');

    it('should also write the arrival line', async () => {
      const { requestId } = await get(app(), '/healthz');
      const lines = app().linesOf(requestId);
      expect(lines.map((line) => [line.level, line.msg])).toEqual([
        [20, 'incoming request'],
        [30, 'request completed'],
      ]);
    });
  });
});
