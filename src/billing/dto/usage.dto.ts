import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQueryDto } from '../../common/admin/pagination.dto';
import { UsageRecordEntity, UsageStatus } from '../usage-record.entity';

export class UsageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  keyId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  providerId?: string;

  @ApiPropertyOptional({ description: 'Requested or upstream model, exact' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  model?: string;

  @ApiPropertyOptional({ enum: UsageStatus })
  @IsOptional()
  @IsIn(Object.values(UsageStatus))
  status?: UsageStatus;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Inclusive lower bound' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Exclusive upper bound' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;
}

export class AttemptNoteDto {
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  @ApiProperty({ enum: ['anthropic', 'openai-chat', 'openai-responses', 'gemini'] })
  providerType!: string;
  @ApiProperty({ description: '"ok", or the failure class that caused failover' })
  outcome!: string;
  @ApiProperty({ type: Number, nullable: true }) httpStatus!: number | null;
  @ApiProperty({ description: 'Milliseconds until the upstream answered or failed' }) ms!: number;
}

export class UsageRecordDto {
  @ApiProperty() requestId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'uuid' }) apiKeyId!: string;
  @ApiProperty({ type: String, nullable: true }) providerId!: string | null;
  @ApiProperty() clientProtocol!: string;
  @ApiProperty() clientName!: string;
  @ApiProperty({ type: String, nullable: true }) providerProtocol!: string | null;
  @ApiProperty() requestedModel!: string;
  @ApiProperty({ type: String, nullable: true }) upstreamModel!: string | null;
  @ApiProperty({ type: String, nullable: true }) sessionId!: string | null;
  @ApiProperty() stream!: boolean;
  @ApiProperty({ description: 'Token counts as decimal strings (bigint)' }) inputTokens!: string;
  @ApiProperty() outputTokens!: string;
  @ApiProperty() cacheWrite5mTokens!: string;
  @ApiProperty() cacheWrite1hTokens!: string;
  @ApiProperty() cacheReadTokens!: string;
  @ApiProperty() reasoningTokens!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Exact USD decimal' }) costUsd!:
    string | null;
  @ApiProperty({ enum: UsageStatus }) status!: UsageStatus;
  @ApiProperty({ type: Number, nullable: true }) httpStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) stopReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) errorClass!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({
    type: [AttemptNoteDto],
    nullable: true,
    description: 'Each provider tried, in order (null on records older than this field)',
  })
  attemptLog!: AttemptNoteDto[] | null;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ type: Number, nullable: true }) ttfbMs!: number | null;

  static from(this: void, record: UsageRecordEntity): UsageRecordDto {
    return {
      requestId: record.requestId,
      createdAt: record.createdAt,
      userId: record.userId,
      apiKeyId: record.apiKeyId,
      providerId: record.providerId,
      clientProtocol: record.clientProtocol,
      clientName: record.clientName,
      providerProtocol: record.providerProtocol,
      requestedModel: record.requestedModel,
      upstreamModel: record.upstreamModel,
      sessionId: record.sessionId,
      stream: record.stream,
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      cacheWrite5mTokens: record.cacheWrite5mTokens,
      cacheWrite1hTokens: record.cacheWrite1hTokens,
      cacheReadTokens: record.cacheReadTokens,
      reasoningTokens: record.reasoningTokens,
      costUsd: record.costUsd,
      status: record.status,
      httpStatus: record.httpStatus,
      stopReason: record.stopReason,
      errorClass: record.errorClass,
      attempts: record.attempts,
      attemptLog: record.attemptLog,
      durationMs: record.durationMs,
      ttfbMs: record.ttfbMs,
    };
  }
}

export class UsagePageDto {
  @ApiProperty({ type: [UsageRecordDto] }) items!: UsageRecordDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}
