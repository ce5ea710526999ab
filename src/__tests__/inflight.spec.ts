import { YNotebook } from '@jupyter/ydoc';
import {
  codeCell,
  markRunning,
  notebookWithCells,
  quietYjsWarnings
} from './fakes';
import * as Y from 'yjs';
import * as derive from '../inflight/derive';
import type { IInFlightRequest, RequestStatus } from '../backend/types';
import { NbmodelBackend, NBMODEL_METADATA_KEY } from '../backend/nbmodel';
import {
  InFlightModel,
  type IInFlightCounts,
  type ISubmissionInput
} from '../inflight';

/** The model reads the marks nbmodel leaves in the document. */
const readMark = NbmodelBackend.prototype.readCellMark;

const KERNEL = 'kernel-1';
const PATH = 'work/analysis.ipynb';

/** What jupyter-server-nbmodel writes when it starts a request. */
function serverStart(
  nb: YNotebook,
  id: string,
  requestId: string,
  kernelId = KERNEL
): void {
  const cell = codeCell(nb, id);
  nb.transact(() => {
    cell.clearOutputs(null);
    cell.execution_count = null;
    cell.executionState = 'running';
    cell.setMetadata(NBMODEL_METADATA_KEY, {
      requestId,
      kernelId,
      requestUrl: `api/kernels/${kernelId}/requests/${requestId}`
    });
  });
}

function serverOutput(nb: YNotebook, id: string, text: string): void {
  const cell = codeCell(nb, id);
  cell.setOutputs([
    ...cell.getOutputs(),
    { output_type: 'stream', name: 'stdout', text }
  ]);
}

/** What jupyter-server-nbmodel writes when a request ends. */
function serverEnd(nb: YNotebook, id: string, count: number): void {
  const cell = codeCell(nb, id);
  nb.transact(() => {
    cell.execution_count = count;
    cell.executionState = 'idle';
    cell.deleteMetadata(NBMODEL_METADATA_KEY);
  });
}

function request(
  requestId: string,
  cellId: string | null,
  status: RequestStatus,
  kernelId = KERNEL
): IInFlightRequest {
  return { requestId, kernelId, cellId, documentPath: PATH, status };
}

function submission(
  cellId: string,
  phase: ISubmissionInput['phase'],
  requestId: string | null = null
): ISubmissionInput {
  return { key: PATH, cellId, kernelId: KERNEL, requestId, phase };
}

/** Our executor's submission of one cell, up to the server's 202. */
function submitOwn(
  model: InFlightModel,
  nb: YNotebook,
  id: string,
  requestId: string
): void {
  markRunning(nb, id);
  model.applySubmission(submission(id, 'submitting'));
  model.applySubmission(submission(id, 'accepted', requestId));
}

/** Keep two documents in sync, both ways, as the Yjs provider would. */
function link(a: YNotebook, b: YNotebook): () => void {
  const fromA = { link: 'a->b' };
  const fromB = { link: 'b->a' };
  Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc), fromA);
  Y.applyUpdate(a.ydoc, Y.encodeStateAsUpdate(b.ydoc), fromB);
  const onA = (update: Uint8Array, origin: unknown) => {
    if (origin !== fromB) {
      Y.applyUpdate(b.ydoc, update, fromA);
    }
  };
  const onB = (update: Uint8Array, origin: unknown) => {
    if (origin !== fromA) {
      Y.applyUpdate(a.ydoc, update, fromB);
    }
  };
  a.ydoc.on('update', onA);
  b.ydoc.on('update', onB);
  return () => {
    a.ydoc.off('update', onA);
    b.ydoc.off('update', onB);
  };
}

function states(model: InFlightModel, key = PATH): Record<string, string> {
  return Object.fromEntries(
    model.entries(key).map(entry => [entry.cellId, entry.state])
  );
}

function counts(
  queued: number,
  running: number,
  input: number,
  stale: number
): IInFlightCounts {
  return { queued, running, input, stale };
}

quietYjsWarnings();

describe('InFlightModel', () => {
  let time: number;
  let model: InFlightModel;
  const now = () => time;

  beforeEach(() => {
    time = 1000;
    model = new InFlightModel({ now, staleGraceMs: 1000, readMark });
  });

  afterEach(() => {
    model.dispose();
  });

  describe('from the document alone', () => {
    it('follows a run another tab submitted: queued, running, done', () => {
      const nb = notebookWithCells(['a', 'b']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'idle');
      expect(model.entries(PATH)).toEqual([]);

      time = 2000;
      markRunning(nb, 'a');
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'queued',
        source: 'document',
        ours: false,
        since: 2000,
        firstSeen: 2000,
        kernelId: KERNEL
      });

      time = 5000;
      serverStart(nb, 'a', 'r1');
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'running',
        requestId: 'r1',
        since: 5000,
        firstSeen: 2000
      });
      expect(model.counts(PATH)).toEqual(counts(0, 1, 0, 0));

      time = 9000;
      serverEnd(nb, 'a', 1);
      expect(model.entry(PATH, 'a')).toBeUndefined();
      expect(model.counts()).toEqual(counts(0, 0, 0, 0));
    });

    it('asks for a listing when another tab marks a cell running', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      const asked: string[] = [];
      model.listingNeeded.connect((_, kernelId) => asked.push(kernelId));
      markRunning(nb, 'a');
      expect(asked).toEqual([KERNEL]);
    });

    it('asks again on a change of another cell while one still waits for a listing', () => {
      const nb = notebookWithCells(['a', 'b']);
      model.addNotebook(PATH, nb, KERNEL);
      markRunning(nb, 'a');
      const asked: string[] = [];
      model.listingNeeded.connect((_, kernelId) => asked.push(kernelId));
      // Only b is derived again; a's need is remembered.
      serverEnd(nb, 'b', 3);
      expect(asked).toEqual([KERNEL]);
    });

    it("asks for a listing when this tab's submission ends and only a listing can settle the cell", () => {
      // A queued cell the server dropped (an interrupt from another
      // browser): the executor ends it, the document still shows its [*].
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      submitOwn(model, nb, 'a', 'r1');
      const asked: string[] = [];
      model.listingNeeded.connect((_, kernelId) => asked.push(kernelId));
      model.applySubmission(submission('a', 'finished', 'r1'));
      expect(asked).toEqual([KERNEL]);
    });

    it('emits changed only when entries change', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      serverStart(nb, 'a', 'r1');
      const emitted: string[][] = [];
      model.changed.connect((_, change) => emitted.push(change.keys));
      serverOutput(nb, 'a', 'tick\n');
      serverOutput(nb, 'a', 'tock\n');
      expect(emitted).toEqual([]);
      serverEnd(nb, 'a', 1);
      expect(emitted).toEqual([[PATH]]);
    });
  });

  describe('from the listing', () => {
    it('tells queued, running and input apart, by cell id', () => {
      const nb = notebookWithCells(['a', 'b', 'c', 'd']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      model.applyListing(KERNEL, [
        request('r1', 'a', 'running'),
        request('r2', 'b', 'queued'),
        request('r3', 'c', 'input'),
        request('r4', 'not-in-this-notebook', 'queued'),
        request('r5', null, 'queued')
      ]);
      expect(states(model)).toEqual({
        a: 'running',
        b: 'queued',
        c: 'input'
      });
      expect(model.entry(PATH, 'b')).toMatchObject({
        source: 'listing',
        requestId: 'r2',
        ours: false
      });
      expect(model.counts(PATH)).toEqual(counts(1, 1, 1, 0));

      time = 5000;
      model.applyListing(KERNEL, []);
      expect(model.entries(PATH)).toEqual([]);
    });

    it('ignores listings of other kernels', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      model.applyListing('kernel-2', [
        request('r1', 'a', 'running', 'kernel-2')
      ]);
      expect(model.entries(PATH)).toEqual([]);
    });
  });

  describe("from this tab's submissions", () => {
    it('derives only the cells whose facts change: its own, and those naming the request it ends', () => {
      const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
      const nb = notebookWithCells(ids);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      // A Run All: every cell marked in one transaction, then submitted.
      nb.transact(() => ids.forEach(id => markRunning(nb, id)));
      // A pasted copy of c3 carries the mark of c3's request.
      const copy = codeCell(nb, 'c19');
      nb.transact(() => {
        copy.executionState = 'idle';
        copy.execution_count = null;
        copy.setMetadata(NBMODEL_METADATA_KEY, {
          requestId: 'r3',
          kernelId: KERNEL
        });
      });
      expect(model.entry(PATH, 'c19')).toMatchObject({
        state: 'running',
        requestId: 'r3'
      });
      const derived = jest.spyOn(derive, 'deriveCell');
      try {
        model.applySubmission(submission('c3', 'submitting'));
        model.applySubmission(submission('c3', 'accepted', 'r3'));
        expect(derived).toHaveBeenCalledTimes(2);
        expect(model.entry(PATH, 'c3')).toMatchObject({
          state: 'queued',
          requestId: 'r3',
          ours: true
        });
        // The others are still what the document says.
        expect(model.entry(PATH, 'c4')).toMatchObject({
          state: 'queued',
          ours: false
        });
        derived.mockClear();
        // The end of a request concerns every cell carrying its mark.
        model.applySubmission(submission('c3', 'finished', 'r3'));
        expect(derived).toHaveBeenCalledTimes(2);
        expect(model.entry(PATH, 'c19')).toBeUndefined();
        derived.mockClear();
        // The server's write of one cell derives that cell only.
        serverStart(nb, 'c4', 'r4');
        expect(derived).toHaveBeenCalledTimes(1);
        expect(model.entry(PATH, 'c4')).toMatchObject({
          state: 'running',
          requestId: 'r4'
        });
      } finally {
        derived.mockRestore();
      }
    });

    it('marks a cell queued at once, running when the server starts it', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      markRunning(nb, 'a');
      model.applySubmission(submission('a', 'submitting'));
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'queued',
        ours: true,
        source: 'submission',
        requestId: null
      });

      model.applySubmission(submission('a', 'accepted', 'r1'));
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'queued',
        requestId: 'r1',
        ours: true
      });

      time = 3000;
      serverStart(nb, 'a', 'r1');
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'running',
        ours: true,
        since: 3000
      });

      serverEnd(nb, 'a', 7);
      // The document says it is over before the executor does.
      expect(model.entry(PATH, 'a')).toBeUndefined();
      model.applySubmission(submission('a', 'finished', 'r1'));
      expect(model.entry(PATH, 'a')).toBeUndefined();
      expect(model.counts()).toEqual(counts(0, 0, 0, 0));
    });

    it("shows a stdin prompt this tab's poll reported", () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      submitOwn(model, nb, 'a', 'r1');
      serverStart(nb, 'a', 'r1');
      model.applySubmission({
        ...submission('a', 'accepted', 'r1'),
        status: 'input'
      });
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'input',
        ours: true
      });
      model.applySubmission({
        ...submission('a', 'accepted', 'r1'),
        status: 'running'
      });
      expect(model.entry(PATH, 'a')?.state).toBe('running');
    });

    it('keeps the stdin prompt although the listing says running (nbmodel lists no prompts)', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      submitOwn(model, nb, 'a', 'r1');
      serverStart(nb, 'a', 'r1');
      model.applySubmission({
        ...submission('a', 'accepted', 'r1'),
        status: 'input'
      });
      model.applyListing(KERNEL, [
        {
          requestId: 'r1',
          kernelId: KERNEL,
          cellId: 'a',
          documentPath: PATH,
          status: 'running'
        }
      ]);
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'input',
        source: 'listing'
      });
      expect(model.counts(PATH)).toMatchObject({ input: 1, running: 0 });
    });

    it('does not take an old run for the new one', () => {
      const nb = notebookWithCells(['a']);
      // A previous run's metadata was left behind (e.g. a lost room).
      serverStart(nb, 'a', 'old');
      model.addNotebook(PATH, nb, KERNEL);
      submitOwn(model, nb, 'a', 'r2');
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'queued',
        requestId: 'r2'
      });
      serverStart(nb, 'a', 'r2');
      expect(model.entry(PATH, 'a')?.state).toBe('running');
    });
  });

  describe('merging the sources', () => {
    it('counts an execution seen by the document and the listing once', () => {
      const nb = notebookWithCells(['a', 'b']);
      model.addNotebook(PATH, nb, KERNEL);
      submitOwn(model, nb, 'a', 'r1');
      serverStart(nb, 'a', 'r1');
      model.applyListing(KERNEL, [
        request('r1', 'a', 'running'),
        // The same cell queued again behind its own run.
        request('r9', 'a', 'queued')
      ]);
      expect(model.entries(PATH)).toHaveLength(1);
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'running',
        requestId: 'r1',
        ours: true,
        source: 'listing'
      });
      expect(model.counts()).toEqual(counts(0, 1, 0, 0));
    });

    it('prefers the document when the listing is older', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      model.applyListing(KERNEL, [request('r1', 'a', 'queued')]);
      expect(model.entry(PATH, 'a')?.state).toBe('queued');
      serverStart(nb, 'a', 'r1');
      expect(model.entry(PATH, 'a')?.state).toBe('running');

      serverEnd(nb, 'a', 2);
      // A listing requested before the end arrives after it.
      model.applyListing(KERNEL, [request('r1', 'a', 'running')]);
      expect(model.entry(PATH, 'a')).toBeUndefined();
    });
  });

  describe('reload', () => {
    it('rebuilds the same states from a document mid-run and a listing', () => {
      const nb = notebookWithCells(['a', 'b', 'c', 'd']);
      // The model of the tab that stays open watches it all happen.
      const live = new InFlightModel({ now, staleGraceMs: 1000, readMark });
      live.addNotebook(PATH, nb, KERNEL);
      live.setKernelStatus(KERNEL, 'busy');
      serverStart(nb, 'd', 'r0');
      serverEnd(nb, 'd', 3);
      markRunning(nb, 'a');
      markRunning(nb, 'b');
      markRunning(nb, 'c');
      time = 2000;
      serverStart(nb, 'a', 'r1');
      serverOutput(nb, 'a', 'half way\n');
      const listing = [
        request('r1', 'a', 'running'),
        request('r2', 'b', 'queued'),
        request('r3', 'c', 'queued')
      ];
      time = 4000;
      live.applyListing(KERNEL, listing);

      // The reloaded tab: a fresh model over the synced document.
      time = 10000;
      const reloaded = new InFlightModel({ now, staleGraceMs: 1000, readMark });
      reloaded.addNotebook(PATH, nb, KERNEL);
      reloaded.setKernelStatus(KERNEL, 'busy');
      // Before the listing, the document alone.
      expect(states(reloaded)).toEqual({
        a: 'running',
        b: 'queued',
        c: 'queued'
      });
      reloaded.applyListing(KERNEL, listing);

      const summary = (m: InFlightModel) =>
        m.entries(PATH).map(e => [e.cellId, e.state, e.requestId]);
      expect(summary(reloaded)).toEqual([
        ['a', 'running', 'r1'],
        ['b', 'queued', 'r2'],
        ['c', 'queued', 'r3']
      ]);
      expect(summary(reloaded)).toEqual(summary(live));
      expect(reloaded.counts()).toEqual(live.counts());

      // And both follow the rest of the run the same way.
      serverEnd(nb, 'a', 4);
      serverStart(nb, 'b', 'r2');
      expect(summary(reloaded)).toEqual(summary(live));
      expect(reloaded.counts()).toEqual(counts(1, 1, 0, 0));
      live.dispose();
      reloaded.dispose();
    });
  });

  describe('stale cells', () => {
    it('flags a cell whose tab died in stock mode, and never clears it silently', () => {
      const nb = notebookWithCells(['a', 'b']);
      // The tab that ran it in stock mode is gone: `[*]` forever.
      markRunning(nb, 'a');
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'idle');
      expect(model.entry(PATH, 'a')?.state).toBe('queued');

      model.applyListing(KERNEL, []);
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'stale',
        source: 'document'
      });
      expect(model.counts(PATH)).toEqual(counts(0, 0, 0, 1));

      // Time passes, more listings, the kernel works and rests: still stale,
      // and the document is untouched.
      time = 60000;
      model.applyListing(KERNEL, []);
      model.setKernelStatus(KERNEL, 'busy');
      expect(model.entry(PATH, 'a')?.state).toBe('stale');
      model.setKernelStatus(KERNEL, 'idle');
      expect(model.entry(PATH, 'a')?.state).toBe('stale');
      expect(codeCell(nb, 'a').executionState).toBe('running');

      // One user action.
      expect(model.clearStale(PATH)).toEqual([{ key: PATH, cellId: 'a' }]);
      expect(model.entry(PATH, 'a')).toBeUndefined();
      // The model did not write: the caller resets the cell.
      expect(codeCell(nb, 'a').executionState).toBe('running');
      codeCell(nb, 'a').executionState = 'idle';
      expect(model.entries(PATH)).toEqual([]);
      expect(model.clearStale()).toEqual([]);

      // A new run is followed again.
      markRunning(nb, 'a');
      expect(model.entry(PATH, 'a')?.state).toBe('queued');
    });

    it('flags a running cell whose end never reached the document', () => {
      const nb = notebookWithCells(['a']);
      serverStart(nb, 'a', 'r1');
      serverOutput(nb, 'a', 'partial\n');
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'idle');
      expect(model.entry(PATH, 'a')?.state).toBe('running');
      model.applyListing(KERNEL, []);
      expect(model.entry(PATH, 'a')?.state).toBe('stale');
    });

    it('is not stale while the kernel is busy (a tab may be running it)', () => {
      const nb = notebookWithCells(['a']);
      markRunning(nb, 'a');
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      const asked: string[] = [];
      model.listingNeeded.connect((_, kernelId) => asked.push(kernelId));
      model.applyListing(KERNEL, []);
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'running',
        source: 'document'
      });

      // Once the kernel is idle, a fresh listing decides.
      model.setKernelStatus(KERNEL, 'idle');
      expect(asked).toEqual([KERNEL]);
      expect(model.entry(PATH, 'a')?.state).toBe('running');
      time = 2000;
      model.applyListing(KERNEL, []);
      expect(model.entry(PATH, 'a')?.state).toBe('stale');
    });

    it('waits for a listing read well after the cell was marked running', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'idle');
      model.applyListing(KERNEL, []);

      time = 1500;
      markRunning(nb, 'a'); // another tab, about to post
      const asked: string[] = [];
      model.listingNeeded.connect((_, kernelId) => asked.push(kernelId));
      time = 1600;
      // Requested before that tab's POST reached the server.
      model.applyListing(KERNEL, []);
      expect(model.entry(PATH, 'a')?.state).toBe('queued');
      expect(asked).toEqual([KERNEL]);

      time = 3000;
      model.applyListing(KERNEL, [request('r1', 'a', 'queued')]);
      expect(model.entry(PATH, 'a')?.state).toBe('queued');

      // That request vanished without the document hearing of it.
      time = 6000;
      model.applyListing(KERNEL, []);
      expect(model.entry(PATH, 'a')?.state).toBe('stale');
    });

    it("never flags this tab's own pending submission", () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'idle');
      submitOwn(model, nb, 'a', 'r1');
      time = 10000;
      model.applyListing(KERNEL, []);
      expect(model.entry(PATH, 'a')).toMatchObject({
        state: 'queued',
        ours: true
      });
    });
  });

  describe('kernel lifecycle', () => {
    function busyNotebook(): YNotebook {
      const nb = notebookWithCells(['a', 'b', 'c', 'd']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      serverStart(nb, 'a', 'r1');
      submitOwn(model, nb, 'b', 'r2');
      markRunning(nb, 'c'); // queued by another tab
      model.applyListing(KERNEL, [
        request('r1', 'a', 'running'),
        request('r2', 'b', 'queued'),
        request('r3', 'c', 'queued')
      ]);
      expect(model.counts()).toEqual(counts(2, 1, 0, 0));
      return nb;
    }

    it('clears everything on restart, then flags what the document still shows', () => {
      const nb = busyNotebook();
      time = 2000;
      model.setKernelStatus(KERNEL, 'restarting');
      expect(model.entries(PATH)).toEqual([]);
      expect(model.counts()).toEqual(counts(0, 0, 0, 0));

      const asked: string[] = [];
      model.listingNeeded.connect((_, kernelId) => asked.push(kernelId));
      model.setKernelStatus(KERNEL, 'starting');
      model.setKernelStatus(KERNEL, 'idle');
      expect(model.entries(PATH)).toEqual([]);
      expect(asked).toEqual([KERNEL]);

      time = 4000;
      // The server still lists the request lost in the restart (and kept the
      // queued one of the other tab).
      model.applyListing(KERNEL, [
        request('r1', 'a', 'running'),
        request('r3', 'c', 'queued')
      ]);
      expect(states(model)).toEqual({ a: 'stale', b: 'stale', c: 'queued' });
      // Flagged, not cleared: the document still says running.
      for (const id of ['a', 'b', 'c']) {
        expect(codeCell(nb, id).executionState).toBe('running');
      }
    });

    it('drops the queue on interrupt and keeps the running cell', () => {
      const nb = busyNotebook();
      const asked: string[] = [];
      model.listingNeeded.connect((_, kernelId) => asked.push(kernelId));
      time = 2000;
      model.interrupted(KERNEL);
      expect(states(model)).toEqual({ a: 'running' });
      expect(asked).toEqual([KERNEL]);

      // KeyboardInterrupt ends the running cell; our executor settles its
      // queued cell (and resets it); the other tab's queued cell is left.
      serverEnd(nb, 'a', 5);
      model.applySubmission(submission('b', 'finished', 'r2'));
      codeCell(nb, 'b').executionState = 'idle';
      model.setKernelStatus(KERNEL, 'idle');
      expect(model.counts()).toEqual(counts(0, 0, 0, 0));

      time = 4000;
      model.applyListing(KERNEL, []);
      expect(states(model)).toEqual({ c: 'stale' });
    });

    it('flags at once what a dead kernel cannot finish', () => {
      const nb = busyNotebook();
      model.setKernelStatus(KERNEL, 'dead');
      model.applySubmission(submission('b', 'finished', 'r2'));
      time = 2000;
      model.applyListing(KERNEL, []);
      expect(states(model)).toEqual({ a: 'stale', b: 'stale', c: 'stale' });
      expect(codeCell(nb, 'a').executionState).toBe('running');
    });

    it('flags runs of the previous kernel when the kernel changes', () => {
      busyNotebook();
      model.setKernel(PATH, 'kernel-2');
      model.setKernelStatus('kernel-2', 'starting');
      expect(model.counts()).toEqual(counts(0, 0, 0, 0));
      model.setKernelStatus('kernel-2', 'idle');
      // `b` is still this tab's: hidden until its executor settles it.
      expect(states(model)).toEqual({ a: 'stale', c: 'stale' });
    });
  });

  describe('cells moved or deleted while they run', () => {
    it('lists entries in document order without reading the document', () => {
      const nb = notebookWithCells(['a', 'b', 'c']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      serverStart(nb, 'a', 'r1');
      serverStart(nb, 'c', 'r3');
      // Read in every frame of a Run All: no walk of the shared cells.
      const read = nb.cells.map(cell => jest.spyOn(cell, 'getId'));
      expect(model.entries(PATH).map(e => e.cellId)).toEqual(['a', 'c']);
      read.forEach(spy => {
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
      });
      nb.moveCell(2, 0);
      expect(model.entries(PATH).map(e => e.cellId)).toEqual(['c', 'a']);
      nb.insertCells(1, [{ cell_type: 'code', id: 'd', source: '' }]);
      serverStart(nb, 'd', 'r4');
      expect(model.entries(PATH).map(e => e.cellId)).toEqual(['c', 'd', 'a']);
      serverEnd(nb, 'a', 1);
      expect(model.entries(PATH).map(e => e.cellId)).toEqual(['c', 'd']);
    });

    it('keeps a moved running cell by id, although the move loses its state', () => {
      const nb = notebookWithCells(['a', 'b', 'c']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      time = 2000;
      serverStart(nb, 'b', 'r1');
      submitOwn(model, nb, 'c', 'r2');
      model.applyListing(KERNEL, [
        request('r1', 'b', 'running'),
        request('r2', 'c', 'queued')
      ]);
      const before = model.entry(PATH, 'b');

      const oldCell = codeCell(nb, 'b');
      time = 3000;
      nb.moveCell(1, 0);
      nb.moveCell(2, 1);
      // What @jupyter/ydoc does: new shared cells, `execution_state` lost.
      expect(codeCell(nb, 'b')).not.toBe(oldCell);
      expect(codeCell(nb, 'b').executionState).toBe('idle');
      expect(codeCell(nb, 'c').executionState).toBe('idle');

      expect(model.entry(PATH, 'b')).toMatchObject({
        state: 'running',
        since: before!.since,
        firstSeen: before!.firstSeen
      });
      expect(model.entry(PATH, 'c')).toMatchObject({
        state: 'queued',
        ours: true
      });
      expect(model.entries(PATH).map(e => e.cellId)).toEqual(['b', 'c']);
      expect(model.counts()).toEqual(counts(1, 1, 0, 0));

      time = 3500;
      model.applyListing(KERNEL, [
        request('r1', 'b', 'running'),
        request('r2', 'c', 'queued')
      ]);
      expect(states(model)).toEqual({ b: 'running', c: 'queued' });
      // Once the server stops listing it, its run is over; it is not
      // stale, since the document does not show it running.
      time = 6000;
      model.setKernelStatus(KERNEL, 'idle');
      model.applyListing(KERNEL, [request('r2', 'c', 'running')]);
      expect(states(model)).toEqual({ c: 'running' });
    });

    it('keeps a cell another tab queued when it is moved', () => {
      const nb = notebookWithCells(['a', 'b']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      time = 2000;
      markRunning(nb, 'b');
      expect(model.entry(PATH, 'b')?.state).toBe('queued');

      time = 2500;
      nb.moveCell(1, 0);
      // Neither `execution_state` nor server metadata is left on the copy.
      expect(codeCell(nb, 'b').executionState).toBe('idle');
      expect(
        codeCell(nb, 'b').getMetadata(NBMODEL_METADATA_KEY)
      ).toBeUndefined();
      expect(model.entry(PATH, 'b')).toMatchObject({
        state: 'queued',
        since: 2000
      });

      // The server finds the cell by id when it starts the request.
      time = 3000;
      serverStart(nb, 'b', 'r1');
      expect(model.entry(PATH, 'b')).toMatchObject({
        state: 'running',
        since: 3000,
        firstSeen: 2000
      });
    });

    it('shows a moved cell the same in another browser and after a reload', () => {
      const nbA = notebookWithCells(['a', 'b']);
      const nbB = new YNotebook();
      const unlink = link(nbA, nbB);
      const modelB = new InFlightModel({ now, staleGraceMs: 1000, readMark });
      model.addNotebook(PATH, nbA, KERNEL);
      modelB.addNotebook(PATH, nbB, KERNEL);
      serverStart(nbA, 'b', 'r1');
      nbA.moveCell(1, 0);
      expect(codeCell(nbB, 'b').executionState).toBe('idle');
      expect(states(model)).toEqual({ b: 'running' });
      expect(states(modelB)).toEqual({ b: 'running' });

      const reloaded = new InFlightModel({ now, staleGraceMs: 1000, readMark });
      reloaded.addNotebook(PATH, nbB, KERNEL);
      expect(states(reloaded)).toEqual({ b: 'running' });
      reloaded.applyListing(KERNEL, [request('r1', 'b', 'running')]);
      expect(states(reloaded)).toEqual({ b: 'running' });
      time = 5000;
      reloaded.applyListing(KERNEL, []);
      expect(states(reloaded)).toEqual({});
      unlink();
      modelB.dispose();
      reloaded.dispose();
    });

    it('forgets a deleted running cell, whatever the server still lists', () => {
      const nb = notebookWithCells(['a', 'b']);
      model.addNotebook(PATH, nb, KERNEL);
      model.setKernelStatus(KERNEL, 'busy');
      serverStart(nb, 'a', 'r1');
      submitOwn(model, nb, 'b', 'r2');
      expect(model.counts()).toEqual(counts(1, 1, 0, 0));

      nb.deleteCellRange(0, 2);
      expect(model.entries(PATH)).toEqual([]);
      model.applyListing(KERNEL, [
        request('r1', 'a', 'running'),
        request('r2', 'b', 'queued')
      ]);
      model.applySubmission(submission('b', 'finished', 'r2'));
      expect(model.counts()).toEqual(counts(0, 0, 0, 0));
    });
  });

  describe('two browsers', () => {
    it('show the same states for the same notebook', () => {
      // The server's document, and one per browser, synced through it.
      const server = notebookWithCells(['x', 'y', 'z']);
      const docA = new YNotebook();
      const docB = new YNotebook();
      const unlinkA = link(server, docA);
      const unlinkB = link(server, docB);
      const modelA = model; // submits
      const modelB = new InFlightModel({ now, staleGraceMs: 1000, readMark }); // watches
      modelA.addNotebook(PATH, docA, KERNEL);
      modelB.addNotebook(PATH, docB, KERNEL);
      const both = (status: string) => {
        modelA.setKernelStatus(KERNEL, status);
        modelB.setKernelStatus(KERNEL, status);
      };
      const list = (requests: IInFlightRequest[]) => {
        modelA.applyListing(KERNEL, requests);
        modelB.applyListing(KERNEL, requests);
      };
      const expectBoth = (
        expected: Record<string, string>,
        expectedCounts: IInFlightCounts
      ) => {
        expect(states(modelA)).toEqual(expected);
        expect(states(modelB)).toEqual(expected);
        expect(modelA.counts()).toEqual(expectedCounts);
        expect(modelB.counts()).toEqual(expectedCounts);
      };
      both('idle');

      submitOwn(modelA, docA, 'x', 'r1');
      submitOwn(modelA, docA, 'y', 'r2');
      expectBoth({ x: 'queued', y: 'queued' }, counts(2, 0, 0, 0));
      expect(modelA.entry(PATH, 'x')?.ours).toBe(true);
      expect(modelB.entry(PATH, 'x')?.ours).toBe(false);

      time = 1200;
      serverStart(server, 'x', 'r1');
      both('busy');
      expectBoth({ x: 'running', y: 'queued' }, counts(1, 1, 0, 0));

      time = 3000;
      list([request('r1', 'x', 'input'), request('r2', 'y', 'queued')]);
      expectBoth({ x: 'input', y: 'queued' }, counts(1, 0, 1, 0));

      time = 4000;
      list([request('r1', 'x', 'running'), request('r2', 'y', 'queued')]);
      serverEnd(server, 'x', 1);
      serverStart(server, 'y', 'r2');
      expectBoth({ y: 'running' }, counts(0, 1, 0, 0));

      serverEnd(server, 'y', 2);
      modelA.applySubmission(submission('x', 'finished', 'r1'));
      modelA.applySubmission(submission('y', 'finished', 'r2'));
      both('idle');
      expectBoth({}, counts(0, 0, 0, 0));
      unlinkA();
      unlinkB();
      modelB.dispose();
    });
  });

  describe('notebooks', () => {
    it('forgets a closed notebook', () => {
      const nb = notebookWithCells(['a']);
      const handle = model.addNotebook(PATH, nb, KERNEL);
      serverStart(nb, 'a', 'r1');
      expect(model.counts()).toEqual(counts(0, 1, 0, 0));
      const emitted: string[][] = [];
      model.changed.connect((_, change) => emitted.push(change.keys));

      handle.dispose();
      expect(emitted).toEqual([[PATH]]);
      expect(model.entries()).toEqual([]);
      expect(model.counts()).toEqual(counts(0, 0, 0, 0));

      // Its document no longer reaches the model.
      serverEnd(nb, 'a', 1);
      serverStart(nb, 'a', 'r2');
      expect(emitted).toHaveLength(1);
      expect(model.entries()).toEqual([]);
    });

    it('counts per notebook and in total', () => {
      const one = notebookWithCells(['a']);
      const two = notebookWithCells(['b', 'c']);
      model.addNotebook('one.ipynb', one, KERNEL);
      model.addNotebook('two.ipynb', two, 'kernel-2');
      serverStart(one, 'a', 'r1');
      serverStart(two, 'b', 'r2', 'kernel-2');
      markRunning(two, 'c');
      expect(model.counts('one.ipynb')).toEqual(counts(0, 1, 0, 0));
      expect(model.counts('two.ipynb')).toEqual(counts(1, 1, 0, 0));
      expect(model.counts()).toEqual(counts(1, 2, 0, 0));
      expect(model.entries().map(e => `${e.key}:${e.cellId}`)).toEqual([
        'one.ipynb:a',
        'two.ipynb:b',
        'two.ipynb:c'
      ]);
    });

    it('follows a renamed notebook', () => {
      const nb = notebookWithCells(['a']);
      model.addNotebook(PATH, nb, KERNEL);
      serverStart(nb, 'a', 'r1');
      model.renameNotebook(PATH, 'renamed.ipynb');
      expect(model.entries(PATH)).toEqual([]);
      expect(model.entry('renamed.ipynb', 'a')).toMatchObject({
        key: 'renamed.ipynb',
        state: 'running'
      });
    });
  });
});
