/**
 * Regression tests for bugs found while testing: each failed before its fix.
 * The comment above each test says what the bug was.
 */
import { YNotebook } from '@jupyter/ydoc';
import { ExecutionWatch } from '../execution/executionwatch';
import { ListingPoller } from '../server/poller';
import {
  FakeServer,
  quietYjsWarnings,
  submitLikeExecutor,
  track
} from './fakes';
import { setupSettings } from './settingsharness';

quietYjsWarnings();

describe('regressions', () => {
  /*
   * src/executionwatch.ts, `_settle`: "idle with a count" in the document is
   * taken as the end of *this* request. When a cell is run again while an
   * earlier run of it is still going, and other requests are queued in
   * between, the earlier run's end (idle + its count) satisfies
   * `isCompleteInDocument` while the new request is still queued. `check()`
   * then answers "queued"; `_settle` believes the document is just ahead of
   * the server, retries 20 times (50 ms to 1 s, 10.5 s in all) and then
   * finishes with `outcomeFromDocument`, i.e. the *earlier* run's outcome.
   * runCell resolves true (onCellExecuted success) although the cell has not
   * run yet; its real result is never read (it stays in nbmodel's memory) and
   * an error in it does not stop the queue.
   * Fix: when `check()` says the request is `queued`, the document cannot be
   * about this request: report the status and return (the listing will say
   * `gone` when it ends, and the document will go running -> idle again).
   * Do not fall back to `outcomeFromDocument` after the retries while the
   * server still lists the request. (nbmodel also writes
   * `metadata.jupyter_server_nbmodel.requestId` at start, which can tell the
   * runs apart.)
   */
  describe('ExecutionWatch', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('does not take the end of an earlier run of the same cell for the end of a queued request', async () => {
      jest.useFakeTimers();
      const doc = new YNotebook();
      doc.insertCells(0, [
        { cell_type: 'code', id: 'a', source: 'long_a()' },
        { cell_type: 'code', id: 'b', source: 'long_b()' }
      ]);
      const server = new FakeServer(doc);
      const monitor = new ListingPoller({
        backend: () => server,
        minMs: 10,
        maxMs: 20,
        standby: 'never'
      });
      const submit = (cellId: string) =>
        submitLikeExecutor(doc, server, cellId);

      try {
        // a runs; b is queued; a is run again and queued behind b.
        const first = await submit('a');
        server.start(first.requestId);
        const other = await submit('b');
        const watch = new ExecutionWatch({
          backend: server,
          poller: monitor,
          kernelId: 'k1',
          notebook: doc,
          cellId: 'a'
        });
        const again = await submit('a');
        watch.accepted(again);
        const done = track(watch.done);

        // The first run of a ends; b starts and takes a while.
        server.finish(first.requestId);
        server.start(other.requestId);
        await jest.advanceTimersByTimeAsync(15000);
        expect(server.requests.get(again.requestId)!.status).toBe('queued');
        expect(done.state).toBe('pending');

        // Then b ends and the second run of a runs.
        server.finish(other.requestId);
        const count = server.run(again.requestId);
        await jest.advanceTimersByTimeAsync(100);
        expect(done.value).toMatchObject({
          kind: 'reply',
          executionCount: count
        });
      } finally {
        monitor.dispose();
        doc.dispose();
      }
    });
  });

  /*
   * src/plugins/serverexecution.ts, `setEnabled`: with an invalid user
   * settings file (e.g. `{"serverSideExecution": "yes"}`) the registry cannot
   * load the plugin, so `registry.set(...)` rejects (it loads the plugin
   * first). The plugin runs on the defaults, but the toggle command and the
   * "Turn on" action of the fallback notice then fail (the notice calls
   * `void service.setEnabled(true)`: an unhandled rejection), and the user
   * cannot turn server-side execution off from the UI.
   * Fix: catch the registry failure in `setEnabled`, warn, and apply the
   * choice for this page with `this.settings.update({ serverSideExecution:
   * enabled })` as is done without a registry (or overwrite the raw file
   * with `registry.upload` of a valid JSON).
   */
  describe('serverExecutionPlugin', () => {
    it('can still be turned off when the user settings file is invalid', async () => {
      const warn = jest
        .spyOn(console, 'warn')
        .mockImplementation(() => undefined);
      try {
        const { activate } = setupSettings('{ "serverSideExecution": "yes" }');
        const service = await activate();
        expect(service.settings.current.serverSideExecution).toBe(true);

        await expect(service.setEnabled(false)).resolves.toBeUndefined();
        expect(service.settings.current.serverSideExecution).toBe(false);
      } finally {
        warn.mockRestore();
      }
    });
  });
});
