import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Thrown by {@link awaitStartStep} when the start-up was aborted, usually by SIGINT or SIGTERM. */
export class StartAbortedError extends Error {
  constructor() {
    super('start-up aborted');
    this.name = 'StartAbortedError';
  }
}

/**
 * Awaits one start-up step, or rejects with {@link StartAbortedError} as soon as `signal` aborts. A step
 * that still finishes after the abort is undone with `undo`, so nothing it opened stays open.
 */
export async function awaitStartStep<T>(
  step: Promise<T>,
  signal: AbortSignal | undefined,
  undo: (value: T) => unknown,
): Promise<T> {
  if (signal === undefined) return step;
  if (signal.aborted) {
    void step.then(undo, () => undefined);
    throw new StartAbortedError();
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new StartAbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([step, aborted]);
  } catch (error) {
    if (error instanceof StartAbortedError) void step.then(undo, () => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/**
 * Rewrites an error of opening the store so that it names `store.path`, its value and the fix. The folder
 * is checked first because SQLite then reports only "the directory does not exist", without the path.
 */
export function storeOpenError(path: string, error: unknown): Error {
  const folder = dirname(path);
  if (!existsSync(folder)) {
    return new Error(
      `store.path "${path}": the folder "${folder}" does not exist: create it (mkdir -p ${folder}) ` +
        'or set store.path to a file in an existing folder',
    );
  }
  return new Error(
    `store.path "${path}": cannot open the SQLite file: ${(error as Error).message}: ` +
      'check that the file and its folder are writable, or set store.path to another file',
  );
}

/**
 * Rewrites a failure to listen on a configured port so that it names the config field, the port and the fix.
 * Errors other than a port in use or a denied port are returned unchanged.
 */
export function listenError(field: string, port: number, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code ?? (error as { original?: { code?: unknown } } | null)?.original?.code;
  if (code === 'EADDRINUSE') {
    return new Error(
      `${field} ${port}: the port is already in use: stop the process that listens on it (lsof -i :${port}) ` +
        `or set ${field} to a free port`,
    );
  }
  if (code === 'EACCES') {
    return new Error(`${field} ${port}: permission denied to listen on the port: set ${field} to a port above 1023`);
  }
  return error;
}
