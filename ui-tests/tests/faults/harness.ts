/**
 * Servers, tabs and a cuttable proxy for the fault tests.
 *
 * Each test starts its own `jupyter lab` (token auth and XSRF on, see
 * ../../jupyter_server_faults_config.py) and stops it with a real signal.
 * Pages are opened with `?token=` in the URL, as a user would.
 */
import { expect } from '@playwright/test';
import type { Browser, Page } from '@playwright/test';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { notebookJSON } from '../helpers';
import { readSavedNotebook } from '../savednotebook';

export const TOKEN = 'faults-ui-token';
const CONFIG = path.resolve(__dirname, '../../jupyter_server_faults_config.py');
const PORT_BASE = Number(process.env.FAULTS_PORT_BASE || 23000);

/** A fresh notebook directory. */
export function makeRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-faults-'));
}

export function writeNotebook(root: string, name: string, sources: string[]) {
  fs.writeFileSync(path.join(root, name), notebookJSON(sources));
}

/** The stream text the saved file holds for one cell. */
export function savedStream(root: string, name: string, index: number) {
  const nb = readSavedNotebook(path.join(root, name));
  return nb.cells[index].outputs
    .filter((o: any) => o.output_type === 'stream')
    .map((o: any) => (Array.isArray(o.text) ? o.text.join('') : o.text))
    .join('');
}

/** Whitespace-separated integers in a text. */
export function numbers(text: string): number[] {
  return text
    .split(/\s+/)
    .filter(x => /^\d+$/.test(x))
    .map(Number);
}

/** The numbers a counting cell wrote to progress.txt, i.e. has printed. */
export function printed(root: string): number[] {
  const file = path.join(root, 'progress.txt');
  return fs.existsSync(file) ? numbers(fs.readFileSync(file, 'utf-8')) : [];
}

/**
 * Print 0, 1, 2... every 0.25 s for a minute (more often than the 1 s
 * autosave delay), writing each number to progress.txt first.
 */
export const COUNTING = [
  'import time',
  'for i in range(240):',
  "    with open('progress.txt', 'a') as f: f.write(f'{i}\\n')",
  '    print(i, flush=True)',
  '    time.sleep(0.25)'
].join('\n');

let nextPort = 0;
/** A port of our range, not used before in this run. */
export function port(): number {
  const chosen = PORT_BASE + (nextPort % 50);
  nextPort++;
  return chosen;
}

export class LabServer {
  readonly url: string;
  private _proc: ChildProcess | null = null;
  private _exited: Promise<void> = Promise.resolve();
  private _starts = 0;

  constructor(
    readonly root: string,
    readonly port: number
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get running(): boolean {
    return this._proc !== null;
  }

  async start(): Promise<void> {
    const log = fs.openSync(
      path.join(this.root, `server-${this.port}-${this._starts++}.log`),
      'a'
    );
    const proc = spawn('jupyter', ['lab', '--config', CONFIG], {
      cwd: this.root,
      env: {
        ...process.env,
        FAULTS_PORT: String(this.port),
        FAULTS_TOKEN: TOKEN,
        FAULTS_ROOT: this.root
      },
      stdio: ['ignore', log, log]
    });
    this._proc = proc;
    this._exited = new Promise(resolve => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 90000;
    for (;;) {
      if (proc.exitCode !== null) {
        throw new Error(`server exited at start: see ${this.root}`);
      }
      try {
        const reply = await fetch(`${this.url}/api/status`, {
          headers: { Authorization: `token ${TOKEN}` }
        });
        if (reply.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error('server did not start within 90 s');
      }
      await new Promise(r => setTimeout(r, 300));
    }
  }

  /**
   * Send a signal and wait for the process to exit; return the time it took
   * in ms, or null if it was still running after `waitMs` (it is then
   * killed).
   */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    waitMs = 30000
  ): Promise<number | null> {
    const proc = this._proc;
    if (!proc) {
      return 0;
    }
    const start = Date.now();
    proc.kill(signal);
    const exited = await Promise.race([
      this._exited.then(() => true),
      new Promise<boolean>(r => setTimeout(() => r(false), waitMs))
    ]);
    if (!exited) {
      proc.kill('SIGKILL');
      await this._exited;
    }
    this._proc = null;
    return exited ? Date.now() - start : null;
  }

  async api(method: string, route: string, body?: unknown): Promise<any> {
    const reply = await fetch(`${this.url}${route}`, {
      method,
      headers: {
        Authorization: `token ${TOKEN}`,
        'Content-Type': 'application/json'
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    if (!reply.ok) {
      throw new Error(`${method} ${route}: ${reply.status}`);
    }
    return reply.status === 204 ? null : reply.json();
  }
}

/** Open a notebook in a new browser context; wait for an idle kernel. */
export async function openTab(
  browser: Browser,
  baseUrl: string,
  name: string,
  options: { stock?: boolean } = {}
): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const stock = options.stock ? '&faults-executor=stock' : '';
  // A workspace of its own: the default one is shared by every tab (and
  // every test server of this user) and would reopen other notebooks.
  const workspace = `faults-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await page.goto(
    `${baseUrl}/lab/workspaces/${workspace}/tree/${name}?token=${TOKEN}${stock}`
  );
  // The indicator says idle before the session has a kernel: wait for both.
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            !!(window as any).jupyterapp?.shell.currentWidget?.sessionContext
              ?.session?.kernel
        ),
      { timeout: 90000 }
    )
    .toBe(true);
  await expect(
    page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator'
    )
  ).toHaveAttribute('data-status', 'idle', { timeout: 90000 });
  return page;
}

/** Run the n-th cell of the active notebook, without waiting for it. */
export async function runCell(page: Page, index: number): Promise<void> {
  await page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')
    .nth(index)
    .locator('.jp-InputPrompt')
    .click();
  await page.keyboard.press('Shift+Enter');
}

/** The stdout text the page shows for the n-th cell. */
export function shownStdout(page: Page, index: number) {
  return page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')
    .nth(index)
    .locator(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
    );
}

/** Prints 0.. every 0.25 s (to progress.txt first); dies after `dieAt`. */
export function counting(dieAt: number | null): string {
  return [
    'import os, time',
    'for i in range(240):',
    "    with open('progress.txt', 'a') as f: f.write(f'{i}\\n')",
    '    print(i, flush=True)',
    '    time.sleep(0.25)',
    ...(dieAt === null ? [] : [`    if i == ${dieAt}: os._exit(1)`])
  ].join('\n');
}

/** The cells of the active notebook. */
export function cells(page: Page) {
  return page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
}

/** The input prompts of the active notebook, e.g. ['[ ]:', '[*]:']. */
export async function prompts(page: Page): Promise<string[]> {
  return (
    await page
      .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')
      .allTextContents()
  ).map(text => text.replace(/\s/g, ''));
}

/** Every error output of the n-th cell (notes, tracebacks). */
export function errorOutputs(page: Page, index: number) {
  return cells(page)
    .nth(index)
    .locator(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    );
}

/** Run All, without waiting: the command resolves when every cell has run. */
export async function runAll(page: Page): Promise<void> {
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('notebook:run-all-cells');
  });
}

/**
 * A TCP proxy in front of a server. `cut()` closes every connection through
 * it (the tab's websockets drop as after a laptop sleep) and stops
 * listening; `restore()` listens again.
 */
export class CuttableProxy {
  private _server: net.Server | null = null;
  private _sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    readonly target: number
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async restore(): Promise<void> {
    const server = net.createServer(client => {
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this._sockets.add(socket);
        socket.on('close', () => this._sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>(resolve =>
      server.listen(this.port, '127.0.0.1', resolve)
    );
    this._server = server;
  }

  async cut(): Promise<void> {
    const server = this._server;
    this._server = null;
    for (const socket of this._sockets) {
      socket.destroy();
    }
    this._sockets.clear();
    if (server) {
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  }
}
