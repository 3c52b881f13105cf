import { getMetadataArgsStorage } from 'typeorm';
import { UsageRecordEntity } from './usage-record.entity';
import { LEDGER_COLUMNS } from './ledger-columns';

describe('the ledger insert', () => {
  it('should write every column of the entity but the generated id', () => {
    const entityColumns = getMetadataArgsStorage()
      .columns.filter((column) => column.target === UsageRecordEntity)
      .map((column) => column.options.name ?? column.propertyName)
      .filter((name) => name !== 'id')
      .sort();
    expect(LEDGER_COLUMNS.map(([, column]) => column).sort()).toEqual(entityColumns);
  });

  it('should read each column from the payload field of the same name', () => {
    const storage = getMetadataArgsStorage().columns.filter(
      (column) => column.target === UsageRecordEntity,
    );
    for (const [field, column] of LEDGER_COLUMNS) {
      expect(storage.find((entry) => entry.options.name === column)?.propertyName).toBe(field);
    }
  });
});
