/**
 * One writer: while the server runs a cell, the tab that submitted it writes
 * nothing into that cell. Trust is set before the POST, while the cell is
 * empty, so the `trusted` setter has no output to rewrite (hazard E).
 */
import { codeCell, quietYjsWarnings, until } from './fakes';
import { setupExecutor, type ExecutorHarness } from './executorharness';
import { NbmodelWriter, plain } from './outputfakes';

quietYjsWarnings();

describe('one writer', () => {
  let h: ExecutorHarness;
  afterEach(() => h?.dispose());

  it('sets trust while the cell is empty, before the POST, and writes nothing while the server runs it', async () => {
    h = setupExecutor();
    const model = h.model(0);
    expect(model.trusted).toBe(false);
    expect(model.outputs.length).toBe(1);

    const trustedAt: Array<{ local: number; shared: number; posted: number }> =
      [];
    model.stateChanged.connect((_, change) => {
      if (change.name === 'trusted') {
        trustedAt.push({
          local: model.outputs.length,
          shared: codeCell(h.tabDoc, 'c1').youtputs.length,
          posted: h.server.submitted.length
        });
      }
    });

    const run = h.run(0);
    await until(() => h.server.submitted.length === 1, 'the POST');
    expect(trustedAt).toEqual([{ local: 0, shared: 0, posted: 0 }]);
    const tabWritesAtPost = h.tabUpdates.length;

    const { requestId } = h.server.requestFor('c1');
    const writer = new NbmodelWriter(h.serverDoc, 'c1');
    h.server.start(requestId);
    writer.stream('stdout', 'a\n');
    writer.other({
      output_type: 'display_data',
      data: { 'text/html': '<b>x</b>' },
      metadata: {}
    });
    writer.stream('stderr', 'warn\n');
    // Anything that re-trusts the cell mid-run (the "Trust notebook"
    // command sets `trusted = true` on every cell) finds it trusted already.
    model.trusted = true;
    writer.stream('stdout', '\r50%');
    writer.stream('stdout', '\r100%\n');
    h.server.finish(requestId);
    await expect(run.promise).resolves.toBe(true);

    // Not a single update from the tab between the POST and the end.
    expect(h.tabUpdates.length).toBe(tabWritesAtPost);
    expect(trustedAt).toHaveLength(1);
    expect(plain(model.outputs.toJSON())).toEqual(
      plain(codeCell(h.serverDoc, 'c1').getOutputs())
    );
    expect(plain(model.outputs.toJSON())).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'a\n' },
      {
        output_type: 'display_data',
        data: { 'text/html': '<b>x</b>' },
        metadata: {}
      },
      { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      { output_type: 'stream', name: 'stdout', text: '100%\n' }
    ]);
    // Outputs that arrived over Yjs render trusted in the tab that ran them.
    expect(model.outputs.trusted).toBe(true);
    for (let i = 0; i < model.outputs.length; i++) {
      expect(model.outputs.get(i).trusted).toBe(true);
    }
  });

  it('writes trust into the shared cell metadata, where a tab opened later reads it', async () => {
    h = setupExecutor();
    const run = h.run(0);
    await until(() => h.server.submitted.length === 1, 'the POST');
    expect(codeCell(h.serverDoc, 'c1').getMetadata('trusted')).toBe(true);
    const { requestId } = h.server.requestFor('c1');
    h.server.start(requestId);
    new NbmodelWriter(h.serverDoc, 'c1').stream('stdout', 'x\n');
    h.server.finish(requestId);
    await run.promise;
    // nbmodel leaves `metadata.trusted` alone, so it survives the run.
    expect(codeCell(h.serverDoc, 'c1').getMetadata('trusted')).toBe(true);
  });
});
