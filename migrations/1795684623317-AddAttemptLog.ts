import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-attempt notes on each ledger row: which providers were tried and why they failed over. */
export class AddAttemptLog1795684623317 implements MigrationInterface {
  name = 'AddAttemptLog1795684623317';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "usage_records" ADD "attempt_log" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "usage_records" DROP COLUMN "attempt_log"`);
  }
}
