/** The Temporal client for the CLI, with an error that says how to start the server. */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/env';
import { CommandFailed } from './args';

export async function connectClient(config: Config): Promise<{ client: Client; close: () => Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5 seconds' });
  } catch (e) {
    throw new CommandFailed(
      `cannot reach Temporal at ${config.temporal.address} (${(e as Error).message}); start it with 'npm run infra -- up' or 'financelake start'`,
    );
  }
  return { client: new Client({ connection, namespace: config.temporal.namespace }), close: () => connection.close() };
}

/** The Temporal Web UI page of a workflow. */
export function uiLink(config: Config, workflowId: string, runId?: string): string {
  const host = config.temporal.address.split(':')[0] === '0.0.0.0' ? '127.0.0.1' : config.temporal.address.split(':')[0];
  const base = `http://${host}:${config.temporal.uiPort}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}` : base;
}
