/**
 * Vitest hooks for a test file's engine. Kept apart from helpers/lakehouse.ts, which writer child
 * processes import outside the test runner (importing vitest there fails).
 */
import { afterAll, beforeAll } from 'vitest';
import type { Engine, EngineOptions } from '../../lakehouse';
import { cleanupDirs, testEngine } from './lakehouse';

/** One engine for a test file, opened before its tests and closed (with the temp folders) after them. */
export function useTestEngine(opts: EngineOptions = {}): { readonly engine: Engine } {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await testEngine(opts);
  });
  afterAll(async () => {
    await engine?.close();
    await cleanupDirs();
  });
  return {
    get engine(): Engine {
      if (!engine) throw new Error('useTestEngine: the engine opens in beforeAll');
      return engine;
    },
  };
}
