import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redact } from '../../config/env';

describe('config', () => {
  it('defaults to a local-disk warehouse under the repository', () => {
    const c = loadConfig({}, '/repo');
    expect(c.warehouse).toBe('/repo/.data/warehouse');
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });
  it('accepts s3 and hdfs warehouses', () => {
    expect(loadConfig({ FINANCELAKE_WAREHOUSE: 's3://lake/prod/' }, '/r').warehouse).toBe('s3://lake/prod');
    expect(loadConfig({ FINANCELAKE_WAREHOUSE: 'hdfs://nn:8020/financelake-data' }, '/r').warehouse).toBe('hdfs://nn:8020/financelake-data');
  });
  it('names the variable when a value is malformed', () => {
    expect(() => loadConfig({ TEMPORAL_PORT: 'abc' }, '/r')).toThrow(/TEMPORAL_PORT/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'nohost' }, '/r')).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig({ FINANCELAKE_WAREHOUSE: 'gs://x/y' }, '/r')).toThrow(ConfigError);
    expect(() => loadConfig({ DUCKDB_MEMORY_LIMIT: 'lots' }, '/r')).toThrow(/DUCKDB_MEMORY_LIMIT/);
  });
  it('never prints secrets', () => {
    const c = loadConfig({ S3_SECRET_ACCESS_KEY: 'supersecret' }, '/r');
    expect(JSON.stringify(redact(c))).not.toContain('supersecret');
  });
});
