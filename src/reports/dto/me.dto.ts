import { ApiProperty } from '@nestjs/swagger';

export const BUDGET_WINDOWS = ['5h', 'daily', 'weekly', 'monthly', 'total'] as const;
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];

export class MeUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'user' }) role!: string;
  @ApiProperty({ type: String, nullable: true }) providerGroup!: string | null;
  @ApiProperty({ type: [String], nullable: true, description: 'Null: every model' })
  allowedModels!: string[] | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expiresAt!: string | null;
}

export class MeKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'sk-cch-AbC123' }) keyPrefix!: string;
  @ApiProperty({ type: String, nullable: true }) providerGroup!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastUsedAt!: string | null;
}

export class BudgetStatusDto {
  @ApiProperty({ enum: BUDGET_WINDOWS }) window!: BudgetWindow;
  @ApiProperty({ type: String, nullable: true, description: 'Null: no budget in this window' })
  limitUsd!: string | null;
  @ApiProperty({ example: '1.2500000000', description: 'Sum of cost_usd in the window' })
  spentUsd!: string;
  @ApiProperty({ type: String, nullable: true, description: 'max(limit - spent, 0)' })
  remainingUsd!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'Start of the window (null for total)',
  })
  windowStart!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When a calendar window starts over (null for the rolling 5h and total)',
  })
  resetsAt!: string | null;
}

export class LimitStatusDto {
  @ApiProperty({ type: Number, nullable: true }) rpm!: number | null;
  @ApiProperty({ type: Number, nullable: true }) concurrentSessions!: number | null;
  @ApiProperty({ type: [BudgetStatusDto] }) budgets!: BudgetStatusDto[];
}

export class MeLimitsDto {
  @ApiProperty({ type: LimitStatusDto, description: 'Budgets of the user, over all their keys' })
  user!: LimitStatusDto;
  @ApiProperty({ type: LimitStatusDto, description: 'Budgets of this key alone' })
  key!: LimitStatusDto;
}

export class MeDto {
  @ApiProperty({ type: MeUserDto }) user!: MeUserDto;
  @ApiProperty({ type: MeKeyDto }) key!: MeKeyDto;
  @ApiProperty({
    description: "Group that routes this key: the key's, else the user's, else default",
  })
  providerGroup!: string;
  @ApiProperty({ example: 'UTC' }) tz!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'When spend was read' })
  asOf!: string;
  @ApiProperty({ type: MeLimitsDto }) limits!: MeLimitsDto;
}
