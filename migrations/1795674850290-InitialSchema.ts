import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795674850290 implements MigrationInterface {
  name = 'InitialSchema1795674850290';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" BIGSERIAL NOT NULL, "actor" character varying(100) NOT NULL, "action" character varying(64) NOT NULL, "target_type" character varying(32) NOT NULL, "target_id" character varying(64) NOT NULL, "changes" jsonb NOT NULL DEFAULT '{}', "request_id" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_audit_log_created" ON "audit_log" ("created_at") `);
    await queryRunner.query(
      `CREATE INDEX "idx_audit_log_target" ON "audit_log" ("target_type", "target_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "usage_records" ("id" BIGSERIAL NOT NULL, "request_id" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "api_key_id" uuid NOT NULL, "provider_id" uuid, "client_protocol" character varying(32) NOT NULL, "client_name" character varying(32) NOT NULL, "provider_protocol" character varying(32), "requested_model" character varying(200) NOT NULL, "upstream_model" character varying(200), "session_id" character varying(200), "stream" boolean NOT NULL DEFAULT false, "input_tokens" bigint NOT NULL DEFAULT '0', "output_tokens" bigint NOT NULL DEFAULT '0', "cache_write_5m_tokens" bigint NOT NULL DEFAULT '0', "cache_write_1h_tokens" bigint NOT NULL DEFAULT '0', "cache_read_tokens" bigint NOT NULL DEFAULT '0', "reasoning_tokens" bigint NOT NULL DEFAULT '0', "cost_usd" numeric(20,10), "price_version" character varying(64), "status" character varying(16) NOT NULL, "http_status" integer, "stop_reason" character varying(64), "error_class" character varying(64), "attempts" integer NOT NULL DEFAULT '1', "duration_ms" integer NOT NULL DEFAULT '0', "ttfb_ms" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e511cf9f7dc53851569f87467a5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_usage_records_request_id" ON "usage_records" ("request_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_usage_records_created" ON "usage_records" ("created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_usage_records_provider_created" ON "usage_records" ("provider_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_usage_records_key_created" ON "usage_records" ("api_key_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_usage_records_user_created" ON "usage_records" ("user_id", "created_at") `,
    );
    await queryRunner.query(`CREATE TYPE "public"."user_role" AS ENUM('admin', 'finance', 'user')`);
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "name" character varying(200) NOT NULL, "role" "public"."user_role" NOT NULL DEFAULT 'user', "provider_group" character varying(100), "allowed_models" text array, "limits" jsonb NOT NULL DEFAULT '{}', "enabled" boolean NOT NULL DEFAULT true, "expires_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "user_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "key_hash" character(64) NOT NULL, "key_prefix" character varying(32) NOT NULL, "provider_group" character varying(100), "limits" jsonb NOT NULL DEFAULT '{}', "enabled" boolean NOT NULL DEFAULT true, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_api_keys_user_id" ON "api_keys" ("user_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_api_keys_key_hash" ON "api_keys" ("key_hash") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."provider_type" AS ENUM('anthropic', 'openai-chat', 'openai-responses', 'gemini')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."provider_auth_scheme" AS ENUM('native', 'bearer', 'x-api-key')`,
    );
    await queryRunner.query(
      `CREATE TABLE "providers" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "name" character varying(200) NOT NULL, "type" "public"."provider_type" NOT NULL, "base_url" character varying(2048) NOT NULL, "api_key_encrypted" text NOT NULL, "api_key_preview" character varying(32) NOT NULL, "auth_scheme" "public"."provider_auth_scheme" NOT NULL DEFAULT 'native', "weight" integer NOT NULL DEFAULT '1', "priority" integer NOT NULL DEFAULT '0', "groups" text array NOT NULL DEFAULT '{default}', "models" text array NOT NULL DEFAULT '{}', "model_redirects" jsonb NOT NULL DEFAULT '{}', "cost_multiplier" numeric(10,4) NOT NULL DEFAULT '1', "timeouts" jsonb NOT NULL DEFAULT '{}', "limits" jsonb NOT NULL DEFAULT '{}', "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_af13fc2ebf382fe0dad2e4793aa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_providers_name_live" ON "providers" ("name") WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "FK_a3baee01d8408cd3c0f89a9a973" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "api_keys" DROP CONSTRAINT "FK_a3baee01d8408cd3c0f89a9a973"`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_providers_name_live"`);
    await queryRunner.query(`DROP TABLE "providers"`);
    await queryRunner.query(`DROP TYPE "public"."provider_auth_scheme"`);
    await queryRunner.query(`DROP TYPE "public"."provider_type"`);
    await queryRunner.query(`DROP INDEX "public"."uq_api_keys_key_hash"`);
    await queryRunner.query(`DROP INDEX "public"."idx_api_keys_user_id"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP TYPE "public"."user_role"`);
    await queryRunner.query(`DROP INDEX "public"."idx_usage_records_user_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_usage_records_key_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_usage_records_provider_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_usage_records_created"`);
    await queryRunner.query(`DROP INDEX "public"."uq_usage_records_request_id"`);
    await queryRunner.query(`DROP TABLE "usage_records"`);
    await queryRunner.query(`DROP INDEX "public"."idx_audit_log_target"`);
    await queryRunner.query(`DROP INDEX "public"."idx_audit_log_created"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
