import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { parseReportTime } from './report-time';

/** A resolved report range: instants (half-open) and Postgres' canonical zone name. */
export interface ReportRange {
  from: Date | null;
  to: Date | null;
  tz: string;
}

/** A 400 in the admin validation pipe's shape, for checks that need the database. */
export function fieldError(field: string, message: string): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: [message],
    fields: [{ field, messages: [message] }],
  });
}

/**
 * Turns `from` / `to` / `tz` query values into instants. Zone names are checked against
 * `pg_timezone_names` (the zones `AT TIME ZONE` knows; read once per process) and local times are
 * converted by Postgres, so range bounds and `day` groups follow the same rules, DST included.
 */
@Injectable()
export class ReportRangeService {
  private zones: Promise<Map<string, string>> | null = null;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async zone(tz: string): Promise<string> {
    this.zones ??= this.loadZones();
    let zones: Map<string, string>;
    try {
      zones = await this.zones;
    } catch (error) {
      this.zones = null;
      throw error;
    }
    const canonical = zones.get(tz.toLowerCase());
    if (!canonical) {
      throw fieldError('tz', 'tz must be an IANA time zone name such as UTC or Europe/Berlin');
    }
    return canonical;
  }

  async resolve(query: { from?: string; to?: string; tz: string }): Promise<ReportRange> {
    const tz = await this.zone(query.tz);
    const from = await this.instant('from', query.from, tz);
    const to = await this.instant('to', query.to, tz);
    if (from && to && from.getTime() >= to.getTime()) {
      throw fieldError('to', 'to must be later than from');
    }
    return { from, to, tz };
  }

  private async instant(
    field: string,
    value: string | undefined,
    tz: string,
  ): Promise<Date | null> {
    if (value === undefined) return null;
    const parsed = parseReportTime(value);
    if (!parsed) {
      throw fieldError(field, `${field} must be an ISO 8601 instant or a local date in tz`);
    }
    const rows = parsed.hasOffset
      ? await this.db.query<{ at: Date }[]>('SELECT $1::timestamptz AS at', [parsed.text])
      : await this.db.query<{ at: Date }[]>('SELECT ($1::timestamp AT TIME ZONE $2) AS at', [
          parsed.text,
          tz,
        ]);
    const at = rows[0]?.at;
    if (!(at instanceof Date)) throw new Error(`could not resolve ${field}`);
    return at;
  }

  private async loadZones(): Promise<Map<string, string>> {
    const rows = await this.db.query<{ name: string }[]>('SELECT name FROM pg_timezone_names');
    return new Map(rows.map((row) => [row.name.toLowerCase(), row.name]));
  }
}
