import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddProviderAllowPrivateEgress1795684562268 implements MigrationInterface {
  name = 'AddProviderAllowPrivateEgress1795684562268';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "providers" ADD "allow_private_egress" boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "providers" DROP COLUMN "allow_private_egress"`);
  }
}
