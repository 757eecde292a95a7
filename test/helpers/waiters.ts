import {
  GetOperationCommand,
  GetRelationalDatabaseCommand,
  type LightsailClient,
  type Operation,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits for an operation to reach a terminal status and returns it. */
export function operationDone(client: LightsailClient, operation: Operation, timeoutMs = 60_000): Promise<Operation> {
  return until(`operation ${operation.operationType} ${operation.id}`, async () => {
    const { operation: current } = await client.send(new GetOperationCommand({ operationId: operation.id }));
    return current?.isTerminal ? current : undefined;
  }, timeoutMs);
}

export function databaseState(client: LightsailClient, name: string, state: string, timeoutMs = 60_000): Promise<RelationalDatabase> {
  return until(`database ${name} to be ${state}`, async () => {
    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }));
    return relationalDatabase?.state === state ? relationalDatabase : undefined;
  }, timeoutMs);
}
