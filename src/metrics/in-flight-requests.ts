import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { finalize, Observable } from 'rxjs';

/**
 * Route handlers still running. Fastify's close waits for connections, not for our work: a
 * proxy reply is hijacked and keeps going after its last byte (limits settlement, the usage
 * record), so shutdown waits on this count before the Redis and Postgres clients close.
 */
@Injectable()
export class InFlightRequests {
  private count = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  /** Marks one unit of work as started; the returned function (idempotent) marks it done. */
  begin(): () => void {
    this.count += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count -= 1;
      if (this.count === 0) this.wake();
    };
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Counts every HTTP route handler in InFlightRequests from its start to its settlement. */
@Injectable()
export class InFlightInterceptor implements NestInterceptor {
  constructor(private readonly inFlight: InFlightRequests) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const release = this.inFlight.begin();
    try {
      return next.handle().pipe(finalize(release));
    } catch (error: unknown) {
      release();
      throw error;
    }
  }
}
