import * as Y from 'yjs';
import { codeCell, notebookWithCells } from './fakes';
import { InFlightModel } from '../inflight';
import { TransactionBatch } from '../inflight/transactions';

const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);

describe('one derivation per transaction', () => {
  it('derives a notebook once for a transaction that marks every cell (a Run All)', () => {
    const nb = notebookWithCells(ids);
    const model = new InFlightModel();
    model.addNotebook('a.ipynb', nb, 'k1');
    const changes: string[][] = [];
    model.changed.connect((_, { keys }) => changes.push(keys));
    nb.transact(() => {
      for (const id of ids) {
        codeCell(nb, id).executionState = 'running';
      }
    });
    // Once, and already when the change returns.
    expect(changes).toEqual([['a.ipynb']]);
    expect(
      model.counts('a.ipynb').running + model.counts('a.ipynb').queued
    ).toBe(ids.length);
    model.dispose();
  });

  it('derives once per transaction of a remote update too, each up to date', () => {
    const server = notebookWithCells(['c0', 'c1']);
    const tab = notebookWithCells([]);
    Y.applyUpdate(tab.ydoc, Y.encodeStateAsUpdate(server.ydoc));
    const model = new InFlightModel();
    model.addNotebook('a.ipynb', tab, 'k1');
    const seen: number[] = [];
    model.changed.connect(() =>
      seen.push(
        model.counts('a.ipynb').running + model.counts('a.ipynb').queued
      )
    );
    const before = Y.encodeStateVector(tab.ydoc);
    server.transact(() => {
      codeCell(server, 'c0').executionState = 'running';
      codeCell(server, 'c1').executionState = 'running';
    });
    Y.applyUpdate(tab.ydoc, Y.encodeStateAsUpdate(server.ydoc, before));
    expect(seen).toEqual([2]);
    model.dispose();
  });

  it('a change made while the observers run is derived after the transaction', () => {
    const nb = notebookWithCells(['c0', 'c1']);
    const flushed: string[] = [];
    const batch = new TransactionBatch(nb, () =>
      flushed.push(codeCell(nb, 'c1').executionState)
    );
    const onCell = () => {
      batch.changed();
      // A listener writing again: a nested transaction, run after this one.
      if (codeCell(nb, 'c1').executionState === 'idle') {
        codeCell(nb, 'c1').executionState = 'running';
      }
    };
    codeCell(nb, 'c0').changed.connect(onCell);
    codeCell(nb, 'c1').changed.connect(onCell);
    codeCell(nb, 'c0').executionState = 'running';
    // The first transaction's flush, then the nested one's: none is lost.
    expect(flushed).toEqual(['running', 'running']);
    batch.dispose();
    codeCell(nb, 'c0').executionState = 'idle';
    expect(flushed).toEqual(['running', 'running']);
  });

  it('hands over the cells a transaction changed, or every cell', () => {
    const nb = notebookWithCells(['c0', 'c1', 'c2']);
    const flushed: (string[] | null)[] = [];
    const batch = new TransactionBatch(nb, cells =>
      flushed.push(cells && [...cells].sort())
    );
    const onCell = (id: string) => () => batch.changed(id);
    for (const id of ['c0', 'c1', 'c2']) {
      codeCell(nb, id).changed.connect(onCell(id));
    }
    nb.transact(() => {
      codeCell(nb, 'c2').executionState = 'running';
      codeCell(nb, 'c0').executionState = 'running';
    });
    codeCell(nb, 'c1').execution_count = 3;
    // The list of cells changed too: every cell.
    nb.changed.connect((_, change) => {
      if (change.cellsChange) {
        batch.changed();
      }
    });
    nb.transact(() => {
      codeCell(nb, 'c1').executionState = 'running';
      nb.insertCells(3, [{ cell_type: 'code', id: 'c3', source: '' }]);
    });
    expect(flushed).toEqual([['c0', 'c2'], ['c1'], null]);
    batch.dispose();
  });

  it('flushes at once without a Yjs document', () => {
    let flushes = 0;
    const batch = new TransactionBatch({}, () => flushes++);
    batch.changed('c0');
    batch.changed();
    expect(flushes).toBe(2);
  });
});
