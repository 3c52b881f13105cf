import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddModelPrices1795680824739 implements MigrationInterface {
  name = 'AddModelPrices1795680824739';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "model_prices" ("id" BIGSERIAL NOT NULL, "model" character varying(200) NOT NULL, "source" character varying(16) NOT NULL, "tombstone" boolean NOT NULL DEFAULT false, "input" numeric(20,10), "output" numeric(20,10), "cache_write_5m" numeric(20,10), "cache_write_1h" numeric(20,10), "cache_read" numeric(20,10), "long_context_threshold" integer, "long_input" numeric(20,10), "long_output" numeric(20,10), "long_cache_write_5m" numeric(20,10), "long_cache_write_1h" numeric(20,10), "long_cache_read" numeric(20,10), "origin" character varying(200), "effective_from" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chk_model_prices_terms" CHECK (("tombstone" AND "source" = 'admin') OR (NOT "tombstone" AND "input" IS NOT NULL AND "output" IS NOT NULL)), CONSTRAINT "chk_model_prices_source" CHECK ("source" IN ('bundled', 'admin')), CONSTRAINT "PK_1409a57d11faf4496339c681f6e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_model_prices_bundled" ON "model_prices" ("model", "effective_from") WHERE "source" = 'bundled'`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_model_prices_model_effective" ON "model_prices" ("model", "effective_from") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_model_prices_model_effective"`);
    await queryRunner.query(`DROP INDEX "public"."uq_model_prices_bundled"`);
    await queryRunner.query(`DROP TABLE "model_prices"`);
  }
}
