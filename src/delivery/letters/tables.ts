import type { ColumnType, Generated } from 'kysely';

export interface LetterBatchesTable {
  id: Generated<number>;
  /** YYYY-MM-DD (Europe/Sofia). */
  date: ColumnType<string, string, string>;
  pdf_file: string;
  manifest_file: string;
  letters: number;
  pages: number;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_by: string;
}
