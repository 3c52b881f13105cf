import { InFlightRequests } from './in-flight-requests';

describe('InFlightRequests', () => {
  it('should drain at once when nothing is in flight', async () => {
    await expect(new InFlightRequests().drain(10)).resolves.toBe(true);
  });

  it('should wait for every request, counting each release once', async () => {
    const inFlight = new InFlightRequests();
    const first = inFlight.begin();
    const second = inFlight.begin();
    const drained = inFlight.drain(1_000);
    first();
    first();
    expect(inFlight.size).toBe(1);
    setTimeout(second, 20);
    await expect(drained).resolves.toBe(true);
    expect(inFlight.size).toBe(0);
  });

  it('should give up after the timeout', async () => {
    const inFlight = new InFlightRequests();
    const release = inFlight.begin();
    await expect(inFlight.drain(20)).resolves.toBe(false);
    release();
    await expect(inFlight.drain(20)).resolves.toBe(true);
  });
});
