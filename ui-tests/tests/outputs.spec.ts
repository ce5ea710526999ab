/**
 * The output matrix: one notebook with a cell per output kind, run through
 * the stock client path (the reference) and on the server three ways: tab
 * open, tab closed mid-run and reopened after, and a second browser that
 * opens the notebook mid-run. Outputs must match the reference, as
 * serialized cell outputs and as visible text, except for the documented
 * backend gaps (see the README, "Output reconciliation").
 */
import { expect, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import {
  REAL_KERNELS,
  activeKernelId,
  cell,
  fillNotebook,
  recordAcceptedCells,
  outputText,
  prompt,
  recordExecutePosts,
  waitForServerIdle,
  waitForCount,
  secondBrowser,
  runAll
} from './helpers';

test.use(REAL_KERNELS);

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** The cells, by kind; the error comes last so Run All reaches every cell. */
const CELLS: Record<string, string> = {
  // Halfway, it waits for the test to create `release` next to the
  // notebook, so "mid-run" is a state the test controls, not a race.
  streams: [
    'import os, sys, time',
    'for i in range(4):',
    "    while i == 2 and not os.path.exists('release'): time.sleep(0.1)",
    "    print('out', i, flush=True); time.sleep(0.3)",
    "    print('err', i, file=sys.stderr, flush=True); time.sleep(0.3)"
  ].join('\n'),
  progress: [
    'import time',
    'for i in range(0, 101, 10):',
    "    print(f'\\rprogress {i:3d}%', end='', flush=True); time.sleep(0.05)",
    "print('\\ndone')"
  ].join('\n'),
  display: [
    'import base64',
    'from IPython.display import display, HTML, Markdown, Latex, Image',
    `display(Image(data=base64.b64decode('${PNG}'), format='png'))`,
    'display(HTML(\'<b class="matrix-html">bold html</b>\'))',
    "display(Markdown('*markdown* text'))",
    "display(Latex(r'$\\alpha + \\beta$'))"
  ].join('\n'),
  executeResult: '6 * 7',
  clear: [
    'from IPython.display import clear_output',
    "print('before clear', flush=True)",
    'clear_output()',
    "print('after clear')"
  ].join('\n'),
  clearWait: [
    'import time',
    'from IPython.display import clear_output',
    "print('before wait-clear', flush=True)",
    'time.sleep(0.3)',
    'clear_output(wait=True)',
    'time.sleep(0.3)',
    "print('after wait-clear')"
  ].join('\n'),
  // The display is not the last output when it is updated: tabs open
  // during the run must keep the order (README: "Output reconciliation").
  updateDisplay: [
    'from IPython.display import display',
    "h = display('first', display_id=True)",
    "print('after the display', flush=True)",
    "h.update('updated')"
  ].join('\n'),
  many: [
    'from IPython.display import display, HTML',
    'for i in range(60):',
    "    print(f'line {i}')",
    "    display(HTML(f'<i>item {i}</i>'))"
  ].join('\n'),
  error: 'def f():\n    return 1 / 0\n\nf()'
};
const KINDS = Object.keys(CELLS);
const SOURCES = Object.values(CELLS);
const index = (kind: string) => KINDS.indexOf(kind);

/**
 * Backend gaps (README, "Output reconciliation"): what the server writes
 * instead of what the stock path shows. Everything else must be equal.
 * None left: `update_display_data`, which nbmodel drops, is applied by our
 * server part (jupyterlab_handoff/displays.py).
 */
const GAPS: Record<string, (reference: IOutputs) => IOutputs> = {};
const TEXT_GAPS: Record<string, (text: string) => string> = {};

type IOutputs = Array<Record<string, any>>;
interface ISnapshot {
  outputs: IOutputs[];
  text: string[];
}

/** Drop what differs between any two runs: counts and `In [n]` in tracebacks. */
function normalize(outputs: IOutputs): IOutputs {
  return outputs.map(output => {
    const o = JSON.parse(JSON.stringify(output));
    if (Array.isArray(o.text)) {
      o.text = o.text.join('');
    }
    if ('execution_count' in o) {
      o.execution_count = 'N';
    }
    if (Array.isArray(o.traceback)) {
      o.traceback = o.traceback.map((line: string) =>
        line.replace(/In\s*\[\d+\]/g, 'In [N]')
      );
    }
    for (const [mime, value] of Object.entries(o.data ?? {})) {
      if (Array.isArray(value)) {
        o.data[mime] = value.join('');
      }
    }
    return o;
  });
}

function normalizeText(text: string): string {
  return text.replace(/In\s*\[\d+\]/g, 'In [N]').trim();
}

/** The outputs and visible output text of every cell of the active notebook. */
async function snapshot(page: Page): Promise<ISnapshot> {
  // MathJax typesets asynchronously: wait for the LaTeX output.
  await cell(page, index('display')).scrollIntoViewIfNeeded();
  await expect(
    cell(page, index('display')).locator('mjx-container')
  ).toBeVisible();
  await expect(
    cell(page, index('display')).locator('.jp-RenderedImage img')
  ).toBeVisible();
  const outputs: IOutputs[] = await page.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells;
    const all = [];
    for (let i = 0; i < cells.length; i++) {
      all.push(cells.get(i).toJSON().outputs);
    }
    return all;
  });
  const text: string[] = [];
  for (let i = 0; i < SOURCES.length; i++) {
    // Off-screen cells skip layout (content-visibility), and have no innerText.
    await cell(page, i).scrollIntoViewIfNeeded();
    const parts = await outputText(page, i).allInnerTexts();
    text.push(normalizeText(parts.map(part => part.trim()).join('\n')));
  }
  return { outputs: outputs.map(normalize), text };
}

/** Console lines of the divergence check that say it changed a cell. */
function recordRepairs(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', message => {
    if (/jupyterlab-handoff: .* outputs of cell/.test(message.text())) {
      lines.push(message.text());
    }
  });
  return lines;
}

/** Each cell model's `trusted` flag in the active notebook. */
async function trust(page: Page): Promise<boolean[]> {
  return page.evaluate(() => {
    const cells = (window as any).jupyterapp.shell.currentWidget.content.model
      .cells;
    const all: boolean[] = [];
    for (let i = 0; i < cells.length; i++) {
      all.push(cells.get(i).trusted);
    }
    return all;
  });
}

/** What a server-side snapshot must equal: the reference with the gaps. */
function expected(reference: ISnapshot): ISnapshot {
  return {
    outputs: reference.outputs.map((outputs, i) =>
      GAPS[KINDS[i]] ? GAPS[KINDS[i]](outputs) : outputs
    ),
    text: reference.text.map((text, i) =>
      TEXT_GAPS[KINDS[i]] ? TEXT_GAPS[KINDS[i]](text) : text
    )
  };
}

function expectMatches(actual: ISnapshot, reference: ISnapshot): void {
  const want = expected(reference);
  for (let i = 0; i < KINDS.length; i++) {
    expect
      .soft(actual.outputs[i], `outputs of ${KINDS[i]}`)
      .toEqual(want.outputs[i]);
    expect
      .soft(actual.text[i], `visible text of ${KINDS[i]}`)
      .toEqual(want.text[i]);
  }
}

/** A cell's whole output area. */
function area(page: Page, i: number) {
  return cell(page, i).locator('.jp-OutputArea');
}

/**
 * Open a notebook with the document manager, not by double-clicking in the
 * file browser, whose listing may be re-rendering (the `release` file just
 * appeared) under the click.
 */
async function openByCommand(page: Page, path: string): Promise<void> {
  await page.evaluate(async notebookPath => {
    await (window as any).jupyterapp.commands.execute('docmanager:open', {
      path: notebookPath
    });
  }, path);
  await expect(
    page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator'
    )
  ).toHaveAttribute('data-status', 'idle', { timeout: 60000 });
}

/** Let the streams cell go on past its halfway point. */
async function release(
  page: IJupyterLabPageFixture,
  tmpPath: string
): Promise<void> {
  await page.contents.uploadContent('', 'text', `${tmpPath}/release`);
}

async function waitForAllCounts(page: Page): Promise<void> {
  for (let i = 0; i < SOURCES.length; i++) {
    await waitForCount(page, i);
  }
}

test.describe.serial('output matrix', () => {
  let reference: ISnapshot | null = null;

  test('reference: the stock client path', async ({ page, tmpPath }) => {
    const posts = recordExecutePosts(page);
    await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      await app.commands.execute('handoff:toggle-server-execution');
    });
    await expect
      .poll(() =>
        page.evaluate(() =>
          (window as any).jupyterapp.commands.isToggled(
            'handoff:toggle-server-execution'
          )
        )
      )
      .toBe(false);
    await fillNotebook(page, tmpPath, 'stock.ipynb', SOURCES);
    await release(page, tmpPath);
    await runAll(page);
    await waitForAllCounts(page);
    reference = await snapshot(page);
    expect(posts).toHaveLength(0);
    // The reference itself shows what each kind should.
    expect(reference.text[index('streams')]).toBe(
      'out 0\nerr 0\nout 1\nerr 1\nout 2\nerr 2\nout 3\nerr 3'
    );
    expect(reference.text[index('progress')]).toBe('progress 100%\ndone');
    expect(reference.text[index('executeResult')]).toBe('42');
    expect(reference.text[index('clear')]).toBe('after clear');
    expect(reference.text[index('clearWait')]).toBe('after wait-clear');
    expect(reference.text[index('updateDisplay')]).toBe(
      "'updated'\nafter the display"
    );
    expect(reference.outputs[index('many')]).toHaveLength(120);
    expect(reference.text[index('error')]).toContain('ZeroDivisionError');
    test.info().annotations.push({
      type: 'reference',
      description: JSON.stringify(reference)
    });
  });

  test('server-side with the tab open, and a second browser opening mid-run', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication
  }) => {
    expect(reference).not.toBeNull();
    const posts = recordExecutePosts(page);
    const repairs = recordRepairs(page);
    const name = 'open.ipynb';
    await fillNotebook(page, tmpPath, name, SOURCES);
    const other = await secondBrowser({
      baseURL,
      browser,
      tmpPath,
      waitForApplication
    });

    await runAll(page);
    await expect(area(page, index('streams'))).toContainText('err 1');
    await other.notebook.openByPath(`${tmpPath}/${name}`);
    await other.notebook.activate(name);
    // The second browser joins mid-run: half the streams, `[*]`.
    await expect(area(other, index('streams'))).toContainText('err 1');
    await expect(prompt(other, index('streams'))).toHaveText('[*]:');
    expect(await area(other, index('streams')).innerText()).not.toContain(
      'out 2'
    );
    await release(page, tmpPath);

    await waitForAllCounts(page);
    await waitForAllCounts(other);
    expect(posts).toHaveLength(SOURCES.length);

    const mine = await snapshot(page);
    const theirs = await snapshot(other);
    expectMatches(mine, reference!);
    expectMatches(theirs, reference!);
    // Trusted in the tab that ran them, and in a tab that loaded the cell
    // after our executor wrote `metadata.trusted` (README: trust).
    const allTrusted = SOURCES.map(() => true);
    expect(await trust(page)).toEqual(allTrusted);
    expect(await trust(other)).toEqual(allTrusted);
    // The document held exactly the backend's final result: nothing repaired.
    expect(repairs).toEqual([]);
    await other.context().close();
  });

  test('server-side with the tab closed mid-run and reopened after', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication,
    request
  }) => {
    expect(reference).not.toBeNull();
    const name = 'closed.ipynb';
    await fillNotebook(page, tmpPath, name, SOURCES);
    const other = await secondBrowser({
      baseURL,
      browser,
      tmpPath,
      waitForApplication
    });
    const kernelId = await activeKernelId(page);
    const accepted = recordAcceptedCells(page);

    await runAll(page);
    // Every POST is accepted before the tab goes (Run All queues them all),
    // and the first cell is still running.
    await expect.poll(() => accepted.length).toBe(SOURCES.length);
    expect(accepted.every(status => status === 202)).toBe(true);
    await expect(area(page, index('streams'))).toContainText('err 1');
    await page.close();
    // The rest of the run happens with no tab open.
    await release(other, tmpPath);

    await waitForServerIdle(request, kernelId);
    await openByCommand(other, `${tmpPath}/${name}`);
    await waitForAllCounts(other);
    expectMatches(await snapshot(other), reference!);
    const allTrusted = SOURCES.map(() => true);
    expect(await trust(other)).toEqual(allTrusted);
    // And after a reload, as in stock JupyterLab for cells you ran.
    // A plain browser reload; the restored layout shows the notebook again.
    await Promise.all([
      other.waitForEvent('load'),
      other.evaluate(() => {
        setTimeout(() => window.location.reload(), 0);
      })
    ]);
    await other.waitForFunction(
      count =>
        (window as any).jupyterapp?.shell?.currentWidget?.content?.model?.cells
          ?.length === count,
      SOURCES.length,
      { timeout: 60000 }
    );
    expect(await trust(other)).toEqual(allTrusted);
    expectMatches(await snapshot(other), reference!);
    await other.context().close();
  });

  test('a display updated from the next cell with no tab open', async ({
    page,
    browser,
    baseURL,
    tmpPath,
    waitForApplication,
    request
  }) => {
    // In stock JupyterLab the kernel connection routes the update to the
    // earlier cell's display. Here the server does, with every tab closed.
    const name = 'next-cell.ipynb';
    const sources = [
      "h = display('first', display_id=True)",
      [
        'import os, time',
        "while not os.path.exists('release-next'): time.sleep(0.1)",
        "h.update('from the next cell')",
        "print('updated')"
      ].join('\n')
    ];
    await fillNotebook(page, tmpPath, name, sources);
    const other = await secondBrowser({
      baseURL,
      browser,
      tmpPath,
      waitForApplication
    });
    const kernelId = await activeKernelId(page);
    const accepted = recordAcceptedCells(page);
    await runAll(page);
    await expect.poll(() => accepted.length).toBe(sources.length);
    expect(accepted.every(status => status === 202)).toBe(true);
    await expect(outputText(page, 0)).toHaveText(["'first'"]);
    await expect(prompt(page, 1)).toHaveText('[*]:');
    await page.close();
    // The update happens now, with no tab on the notebook.
    await other.contents.uploadContent('', 'text', `${tmpPath}/release-next`);
    await waitForServerIdle(request, kernelId);

    await openByCommand(other, `${tmpPath}/${name}`);
    await waitForCount(other, 0);
    await waitForCount(other, 1);
    await expect(outputText(other, 0)).toHaveText(["'from the next cell'"]);
    await expect(outputText(other, 1)).toHaveText(['updated']);
    await Promise.all([
      other.waitForEvent('load'),
      other.evaluate(() => {
        setTimeout(() => window.location.reload(), 0);
      })
    ]);
    await other.waitForFunction(
      count =>
        (window as any).jupyterapp?.shell?.currentWidget?.content?.model?.cells
          ?.length === count,
      sources.length,
      { timeout: 60000 }
    );
    await expect(outputText(other, 0)).toHaveText(["'from the next cell'"]);
    await expect(outputText(other, 1)).toHaveText(['updated']);
    await other.context().close();
  });
});
