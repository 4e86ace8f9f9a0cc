/**
 * `financelake start` (npm start): the main job on the embedded default. Brings the Temporal
 * dev server up if it is not running, uses the local-disk warehouse, generates sample data
 * when the landing zone is empty, runs a worker in this process, runs dailyPipeline for each
 * sample day and prints a summary with the Temporal UI link of every run.
 * --s3 / FINANCELAKE_S3=1: the warehouse on MinIO; --kafka / FINANCELAKE_KAFKA=1: ticks via Kafka.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../config/env';
import { ensureUp, type ServiceName } from '../../infra/stack';
import { generate, produceTicks } from '../../pipeline';
import { dailyPipeline, type PipelineResult } from '../../workflows';
import { dailyWorkflowId } from '../../workflows/ids';
import { createWorker } from '../../workers/worker';
import { realWorkerParts } from '../../workers/real';
import { CommandFailed, optionalInt, parse, checkDate } from '../args';
import type { Command } from '../command';
import { pipelineSummary, table } from '../format';
import { connectClient, uiLink } from '../temporal';
import { reportLines } from './quality';

const usage = 'financelake start [--s3] [--kafka] [--days 3] [--start 2024-01-01] [--ticks-per-day N] [--transactions-per-day N]';

const DATE_DIR = /^\d{4}-\d{2}-\d{2}$/;

/** The dates that have files in the landing zone (<dataset>/<date>/...). */
export function landedDates(landing: string): string[] {
  if (!fs.existsSync(landing)) return [];
  const dates = new Set<string>();
  for (const ds of fs.readdirSync(landing, { withFileTypes: true })) {
    if (!ds.isDirectory()) continue;
    for (const d of fs.readdirSync(path.join(landing, ds.name), { withFileTypes: true })) if (d.isDirectory() && DATE_DIR.test(d.name)) dates.add(d.name);
  }
  return [...dates].sort();
}

function envSwitch(name: string): boolean {
  return /^(1|true|yes|on)$/i.test(process.env[name] ?? '');
}

export const startCommand: Command = {
  name: 'start',
  summary: 'the main job: stack up, sample data, worker, daily pipeline for the sample days, summary',
  usage,
  async run(argv) {
    const { values } = parse(
      argv,
      { s3: { type: 'boolean' }, kafka: { type: 'boolean' }, days: { type: 'string' }, start: { type: 'string' }, 'ticks-per-day': { type: 'string' }, 'transactions-per-day': { type: 'string' } },
      usage,
    );
    const days = optionalInt(values.days, 'days', usage, 1, 366) ?? 3;
    const startDate = checkDate(values.start ?? '2024-01-01', 'start', usage);
    const useS3 = !!values.s3 || envSwitch('FINANCELAKE_S3');
    const useKafka = !!values.kafka || envSwitch('FINANCELAKE_KAFKA');
    if (useS3 && !process.env.FINANCELAKE_WAREHOUSE) process.env.FINANCELAKE_WAREHOUSE = 's3://financelake/warehouse';
    if (useKafka) process.env.FINANCELAKE_KAFKA = '1';
    const config = loadConfig();
    const say = (m: string) => console.log(`[start] ${m}`);

    const services: ServiceName[] = ['temporal', ...(useS3 ? (['minio'] as const) : []), ...(useKafka ? (['kafka'] as const) : [])];
    say(`bringing up ${services.join(', ')} (first time: installs and starts, this can take a while)`);
    try {
      await ensureUp(services, { config, log: (m) => say(m) });
    } catch (e) {
      throw new CommandFailed(`the local stack did not come up: ${(e as Error).message}`);
    }

    let dates = landedDates(config.landing);
    if (!dates.length) {
      say(`no data in ${config.landing}: generating ${days} sample days from ${startDate}`);
      const summary = await generate({
        landing: config.landing,
        days,
        startDate,
        transactionsPerDay: optionalInt(values['transactions-per-day'], 'transactions-per-day', usage),
        ticksPerDay: optionalInt(values['ticks-per-day'], 'ticks-per-day', usage),
      });
      dates = [...summary.dates].sort();
      if (useKafka) {
        // The same ticks the generator wrote as files, published to the (mapped) topic.
        const topic = config.kafka.topics['market.ticks'];
        for (const f of summary.files.filter((x) => x.dataset === 'market_ticks')) {
          const r = await produceTicks({ brokers: config.kafka.brokers, date: f.date, count: f.records, seed: summary.seed, defectRate: summary.defectRate, symbols: summary.symbols, clientId: config.kafka.clientId, ...(topic ? { topic } : {}) });
          say(`produced ${r.produced} ticks for ${f.date} to Kafka${topic ? ` topic ${topic}` : ''}`);
        }
      }
    } else {
      say(`landing zone has data for ${dates.join(', ')}`);
    }
    say(`warehouse ${config.warehouse}`);

    // The worker's state changes are not news here; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const worker = await createWorker({ config, ...realWorkerParts(config) }).catch((e) => {
      throw new CommandFailed(`the worker refused to start: ${(e as Error).message}`);
    });
    const running = worker.run();
    say(`worker polling task queue '${config.temporal.taskQueue}'`);
    const { client, close } = await connectClient(config);
    const results: { date: string; result?: PipelineResult; error?: string; link: string }[] = [];
    try {
      // Days in order: gold indicators of a day read the days before it.
      for (const date of dates) {
        const workflowId = dailyWorkflowId(date);
        say(`dailyPipeline ${date} ...`);
        try {
          const handle = await client.workflow.start(dailyPipeline, { taskQueue: config.temporal.taskQueue, workflowId, args: [{ date }] });
          const result = await handle.result();
          results.push({ date, result, link: uiLink(config, workflowId, handle.firstExecutionRunId) });
          console.log(pipelineSummary(result));
          for (const line of reportLines(result.tasks)) console.log(line);
        } catch (e) {
          const msg = e instanceof WorkflowExecutionAlreadyStartedError ? `a run for ${date} is already in progress (${workflowId})` : (e as Error).message;
          results.push({ date, error: msg, link: uiLink(config, workflowId) });
        }
      }
    } finally {
      await close();
      worker.worker.shutdown();
      await running;
    }
    printSummary(config, results);
    return results.every((r) => r.result?.status === 'succeeded') ? 0 : 1;
  },
};

function printSummary(config: Config, results: { date: string; result?: PipelineResult; error?: string; link: string }[]) {
  console.log('\nFinanceLake daily pipeline');
  console.log(
    table(
      ['date', 'status', 'bronze rows', 'silver rows', 'quarantined', 'duplicates', 'gold rows', 'failed tasks', 'Temporal UI'],
      results.map(({ date, result: r, error, link }) => [
        date,
        r?.status ?? 'error',
        r?.layers.bronze.rowsOut ?? 0,
        r?.layers.silver.rowsOut ?? 0,
        r?.layers.silver.quarantined ?? 0,
        r?.layers.silver.duplicates ?? 0,
        r?.layers.gold.rowsOut ?? 0,
        r ? r.tasks.filter((t) => t.state !== 'succeeded').map((t) => `${t.taskId} (${t.state})`).join(', ') : error,
        link,
      ]),
    ),
  );
  console.log(`\nTemporal UI: http://127.0.0.1:${config.temporal.uiPort}   warehouse: ${config.warehouse}`);
  console.log("next: 'npm run financelake -- tables', 'npm run financelake -- query \"SELECT * FROM gold.daily_ohlcv LIMIT 5\"'");
}
