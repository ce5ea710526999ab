/**
 * Drive `ui-tests/foreign_client.py` (another client on a notebook's kernel,
 * not JupyterLab) from a test, and wait for its events.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

export interface IForeignEvent {
  event: 'connected' | 'started' | 'finished';
  [field: string]: unknown;
}

export interface IForeignClient {
  /** Resolves with the first event of that kind (rejects if it exits first). */
  next(event: IForeignEvent['event']): Promise<IForeignEvent>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  readonly process: ChildProcess;
}

/**
 * Run one cell of an open notebook from another client.
 *
 * @param baseURL - the Jupyter server (the Galata servers have no token).
 * @param notebookPath - the notebook's path on the server.
 */
export function runForeignCell(
  baseURL: string,
  notebookPath: string,
  options: { cell: number; noState?: boolean; token?: string }
): IForeignClient {
  const python = process.env.HANDOFF_PYTHON || 'python';
  const script = path.resolve(__dirname, '..', 'foreign_client.py');
  const args = [
    script,
    '--url',
    baseURL,
    '--token',
    options.token ?? '',
    '--path',
    notebookPath,
    '--cell',
    String(options.cell)
  ];
  if (options.noState) {
    args.push('--no-state');
  }
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: IForeignEvent[] = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim()) {
        events.push(JSON.parse(line));
        waiters.splice(0).forEach(wake => wake());
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => {
      resolve(code);
      waiters.splice(0).forEach(wake => wake());
    })
  );
  return {
    process: child,
    exited,
    next(kind) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(event => event.event === kind);
          if (found) {
            resolve(found);
          } else if (child.exitCode !== null) {
            reject(
              new Error(
                `foreign client exited (${child.exitCode}) before "${kind}": ${stderr}`
              )
            );
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    }
  };
}
