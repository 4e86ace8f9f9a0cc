/**
 * The replaceWhere race both concurrency suites run (MinIO and HDFS), asserted once: separate
 * writer processes replace the same partition round after round; each round has exactly one
 * winner at the next version and a conflict naming it for the others, and the partition ends
 * holding the last winner's row.
 */
import { expect } from 'vitest';
import type { DeltaTable } from '../../lakehouse';

type WriterRun = (args: string[]) => Promise<Array<Record<string, any>>>;

export async function expectReplaceWhereRace(table: DeltaTable, url: string, runWriter: WriterRun, writers: number, rounds: number): Promise<void> {
  await table.write(`SELECT 0::BIGINT AS id, DATE '2024-01-01' AS date, 0 AS writer`);
  const base = await table.version();
  const results = (await Promise.all(Array.from({ length: writers }, (_, w) => runWriter(['replace', url, String(w + 1), String(rounds), String(base)])))).flat();
  for (let r = 0; r < rounds; r++) {
    const round = results.filter((x) => x.i === r);
    expect(round).toHaveLength(writers);
    const winners = round.filter((x) => x.version !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.version).toBe(base + r + 1);
    for (const l of round.filter((x) => x.conflict)) {
      expect(l.conflict).toMatch(/concurrent modification: version \d+ conflicts/);
      expect(l.winningVersion).toBe(base + r + 1);
    }
  }
  expect(await table.version()).toBe(base + rounds);
  const last = results.find((x) => x.i === rounds - 1 && x.version !== undefined)!;
  expect(await table.query('SELECT id, writer FROM {{table}}')).toEqual([{ id: last.writer * 1000 + rounds - 1, writer: last.writer }]);
}
