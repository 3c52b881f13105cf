import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { decodeMasterKey } from '../common/crypto/master-key';
import { isValidAllowlistEntry } from '../common/egress/egress-allowlist';
import { reusePortSupported } from '../cluster/reuse-port';

export const ROLE_NAMES = ['gateway', 'admin', 'worker'] as const;
export type ProcessRole = (typeof ROLE_NAMES)[number];

/** `GATEWAY_CLUSTER_SCHEDULING`: how a cluster's connections reach its workers. */
export const CLUSTER_SCHEDULINGS = ['auto', 'round-robin', 'os', 'reuseport'] as const;
export type ClusterScheduling = (typeof CLUSTER_SCHEDULINGS)[number];

export enum NodeEnv {
  Development = 'development',
  Production = 'production',
  Test = 'test',
}

@ValidatorConstraint({ name: 'masterKey' })
class MasterKeyConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && decodeMasterKey(value) !== null;
  }
  defaultMessage(): string {
    return 'MASTER_KEY must be 32 bytes encoded as base64 (44 chars) or hex (64 chars)';
  }
}

@ValidatorConstraint({ name: 'clusterScheduling' })
class ClusterSchedulingConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (!(CLUSTER_SCHEDULINGS as readonly unknown[]).includes(value)) return false;
    return value !== 'reuseport' || reusePortSupported();
  }
  defaultMessage(): string {
    return (
      `GATEWAY_CLUSTER_SCHEDULING must be ${CLUSTER_SCHEDULINGS.join(', ')}; reuseport needs Node ` +
      `≥ 22.12 (or ≥ 23.1) on Linux, and this is Node ${process.versions.node} on ${process.platform}`
    );
  }
}

@ValidatorConstraint({ name: 'roles' })
class RolesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((role) => (ROLE_NAMES as readonly unknown[]).includes(role))
    );
  }
  defaultMessage(): string {
    return `CCH_ROLES must be a comma-separated list of ${ROLE_NAMES.join(', ')}`;
  }
}

@ValidatorConstraint({ name: 'timeZone' })
class TimeZoneConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || value.length === 0) return false;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'LIMITS_TIME_ZONE must be an IANA time zone such as UTC or Europe/Berlin';
  }
}

@ValidatorConstraint({ name: 'egressAllowlist' })
class EgressAllowlistConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      Array.isArray(value) &&
      value.every((entry) => typeof entry === 'string' && isValidAllowlistEntry(entry))
    );
  }
  defaultMessage(): string {
    return 'EGRESS_ALLOWLIST must list host names (relay.internal, *.corp.example) and CIDRs (10.0.0.0/8, ::1/128), comma-separated';
  }
}

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0)
    : value;

/**
 * Every environment variable the service reads. Validated once at boot; a bad value stops the
 * start with a message naming the variable. `.env.example` documents each key (a test checks it).
 */
export class EnvSchema {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @IsString()
  HOST = '0.0.0.0';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  @IsString()
  @MinLength(32, { message: 'ADMIN_TOKEN must be at least 32 characters' })
  ADMIN_TOKEN!: string;

  @Validate(MasterKeyConstraint)
  MASTER_KEY!: string;

  @Transform(toList)
  @Validate(RolesConstraint)
  CCH_ROLES: ProcessRole[] = [...ROLE_NAMES];

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Trust X-Forwarded-* from the ingress in front of CCH. */
  @IsOptional()
  @IsIn(['true', 'false'])
  TRUST_PROXY = 'false';

  /**
   * Gateway processes sharing the port (node:cluster): 0 = one per core, 1 = no cluster. The
   * BullMQ processors of the worker role run in one of them only.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(256)
  GATEWAY_WORKERS = 0;

  /**
   * How a cluster's connections reach its workers. `round-robin` (Node's default): the primary
   * accepts each connection and hands it to the next worker, waiting for that worker to take it,
   * so connections are spread evenly, but a burst of new connections under load waits on busy
   * workers one hand-off at a time (seconds at saturation). `os`: every worker accepts from the
   * shared socket itself, so a new connection goes to whichever worker is free to take it; the
   * spread of long-lived connections opened at low load can be uneven. `reuseport` (Node ≥ 22.12
   * on Linux): every worker listens on a socket of its own on the port (SO_REUSEPORT) and the
   * kernel spreads new connections over them by address hash: no hand-off, and no worker takes
   * them all while the others sleep. `auto` (the default): `reuseport` where the runtime has it
   * (the Docker image's Node 24 does), `round-robin` elsewhere.
   */
  @IsOptional()
  @Validate(ClusterSchedulingConstraint)
  GATEWAY_CLUSTER_SCHEDULING: ClusterScheduling = 'auto';

  /**
   * After a full GC, V8 lets the old generation grow to (1 + this / 100) × what survived before
   * the next one. 0 = V8's own dynamic factor (1.1–4), which can settle near 1.1 and then run full
   * GCs back to back under load (see README, Performance). A `--heap-growing-percent` on node's
   * command line wins.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  V8_HEAP_GROWING_PERCENT = 100;

  /**
   * The largest size, in MB, of each of the young generation's two semi-spaces in the cluster's
   * gateway forks (node's --max-semi-space-size). `auto`: 8 on Node ≥ 24, whose V8 would
   * otherwise grow them to 64 MB and then run full GCs for request bodies (see README,
   * Performance); V8's own size on older Node. 0 = V8's own size. A single process
   * (GATEWAY_WORKERS=1) starts itself again with the flag (process.execve, Node ≥ 22.15). A size
   * on node's command line or in NODE_OPTIONS wins.
   */
  @IsOptional()
  @Matches(/^(auto|\d{1,4})$/, {
    message: 'V8_MAX_SEMI_SPACE_MB must be auto or a whole number of megabytes',
  })
  V8_MAX_SEMI_SPACE_MB = 'auto';

  /**
   * Usage records of requests that end within this window go to the ledger as one BullMQ job
   * and one insert. Longer windows cost less per request at low load; records still waiting in
   * memory are flushed on shutdown but lost if the process is killed (SIGKILL, OOM).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  USAGE_BATCH_WINDOW_MS = 20;

  /** Providers tried per request before the client gets an error (failover budget). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  GATEWAY_MAX_ATTEMPTS = 3;

  /** How long a session stays bound to the provider that served it last (sliding). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  STICKY_SESSION_TTL_SECONDS = 300;

  /**
   * How old (ms) the routing state a request is routed on may be: breaker states, provider
   * budgets and session bindings are read from Redis at most this often per process, and
   * otherwise served from what the process last read or wrote. 0 reads them on every request.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(5_000)
  ROUTING_STATE_MAX_AGE_MS = 0;

  /** Circuit breaker: sliding window over which the failure rate is measured. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  BREAKER_WINDOW_MS = 60_000;

  /** Circuit breaker: no opening below this many requests in the window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  BREAKER_MIN_REQUESTS = 5;

  /** Circuit breaker: failure share (percent) at or above which it opens. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  BREAKER_FAILURE_RATE_PERCENT = 50;

  /** Circuit breaker: cool-down before one probe request is let through. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  BREAKER_OPEN_MS = 30_000;

  /** IANA time zone of the daily, weekly (Monday) and monthly budget windows. */
  @Validate(TimeZoneConstraint)
  LIMITS_TIME_ZONE = 'UTC';

  /** With Redis unreachable, admit requests without limits (true) or refuse them with 503. */
  @Transform(toBool)
  @IsBoolean()
  LIMITS_FAIL_OPEN = true;

  /** Safety TTL of a concurrency slot and its budget reservation; longer than any request. */
  @Transform(toInt)
  @IsInt()
  @Min(60_000)
  LIMITS_RESERVATION_TTL_MS = 1_800_000;

  /**
   * Admit each key's next request ahead of time, off the request path: the next request of the
   * key finds its admission already made in Redis and waits for no round trip (see
   * src/limits/README.md, "Admission ahead").
   */
  @Transform(toBool)
  @IsBoolean()
  LIMITS_ADMIT_AHEAD = false;

  /** Output tokens reserved for a request that does not say `max_tokens` (worst-case budgets). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMITS_DEFAULT_MAX_OUTPUT_TOKENS = 32_000;

  /**
   * Private or loopback destinations that provider requests and health probes may reach. Unset:
   * loopback in development, nothing otherwise (see src/common/egress).
   */
  @IsOptional()
  @Transform(toList)
  @Validate(EgressAllowlistConstraint)
  EGRESS_ALLOWLIST?: string[];

  /** When set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** On SIGTERM, how long requests in flight (streams) may take to finish before they are cut. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 30_000;

  /** Failed admin authentications per client IP in 5 minutes before that IP gets 429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ADMIN_AUTH_MAX_FAILURES = 10;

  /**
   * With Redis unreachable, let admin authentication proceed uncounted (true) or refuse it with
   * 503 until the brute-force limiter can count again (false).
   */
  @Transform(toBool)
  @IsBoolean()
  ADMIN_AUTH_FAIL_OPEN = true;

  /** Where usage records wait when both Redis and Postgres are unreachable. */
  @IsString()
  USAGE_SPOOL_DIR = '.cch/spool';

  /** How often the worker probes every enabled provider. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  HEALTH_CHECK_INTERVAL_SECONDS = 60;
}
