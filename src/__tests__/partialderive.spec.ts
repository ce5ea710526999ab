/**
 * The model derives only the cells whose facts changed. Whatever happens,
 * deriving every cell afterwards (`resync` does) must change nothing: a
 * cell it skipped would show a state the facts no longer give.
 */
import type { YNotebook } from '@jupyter/ydoc';
import { codeCell, notebookWithCells, quietYjsWarnings } from './fakes';
import type { RequestStatus } from '../backend/types';
import { NbmodelBackend, NBMODEL_METADATA_KEY } from '../backend/nbmodel';
import { InFlightModel, type ISubmissionInput } from '../inflight';

const readMark = NbmodelBackend.prototype.readCellMark;
const KERNEL = 'k1';
const PATH = 'a.ipynb';
const IDS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = (nb: YNotebook, model: InFlightModel) => string;

function steps(pick: <T>(items: readonly T[]) => T): Step[] {
  const cell = () => pick(IDS);
  const request = () => pick(['r1', 'r2', 'r3', 'r4']);
  const submit = (phase: ISubmissionInput['phase']): Step => {
    return (_, model) => {
      const event: ISubmissionInput = {
        key: PATH,
        cellId: cell(),
        kernelId: KERNEL,
        requestId: phase === 'submitting' ? null : request(),
        phase
      };
      if (phase === 'accepted') {
        event.status = pick<RequestStatus>(['queued', 'running', 'input']);
      }
      model.applySubmission(event);
      return JSON.stringify(event);
    };
  };
  return [
    submit('submitting'),
    submit('accepted'),
    submit('finished'),
    nb => {
      const [id, r] = [cell(), request()];
      const target = codeCell(nb, id);
      nb.transact(() => {
        target.execution_count = null;
        target.executionState = pick(['running', 'idle']);
        target.setMetadata(NBMODEL_METADATA_KEY, {
          requestId: r,
          kernelId: KERNEL
        });
      });
      return `server starts ${r} on ${id}`;
    },
    nb => {
      const id = cell();
      const target = codeCell(nb, id);
      nb.transact(() => {
        target.execution_count = 7;
        target.executionState = 'idle';
        target.deleteMetadata(NBMODEL_METADATA_KEY);
      });
      return `server ends ${id}`;
    },
    nb => {
      const ids = IDS.filter(() => pick([true, false]));
      nb.transact(() =>
        ids.forEach(id => (codeCell(nb, id).executionState = 'running'))
      );
      return `marked running ${ids}`;
    },
    (_, model) => {
      const listed = IDS.filter(() => pick([true, false, false])).map(id => ({
        requestId: request(),
        kernelId: KERNEL,
        cellId: id,
        documentPath: PATH,
        status: pick<RequestStatus>(['queued', 'running', 'input'])
      }));
      model.applyListing(KERNEL, listed);
      return `listing ${JSON.stringify(listed)}`;
    },
    (_, model) => {
      const status = pick(['idle', 'busy', 'restarting', 'dead']);
      model.setKernelStatus(KERNEL, status);
      return `kernel ${status}`;
    },
    (_, model) => {
      model.interrupted(KERNEL);
      return 'interrupted';
    },
    (_, model) => {
      const ids = [request(), request()];
      model.applyPrompts(KERNEL, ids);
      return `prompts ${ids}`;
    },
    (_, model) => {
      model.clearStale(PATH);
      return 'cleared stale';
    }
  ];
}

quietYjsWarnings();

describe('deriving only the cells whose facts changed', () => {
  it('leaves every cell as a full derivation would, whatever happens', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T =>
        items[Math.floor(next() * items.length)];
      let time = 1000;
      const model = new InFlightModel({
        now: () => time,
        staleGraceMs: 500,
        readMark
      });
      const nb = notebookWithCells(IDS);
      model.addNotebook(PATH, nb, KERNEL);
      const all = steps(pick);
      const done: string[] = [];
      for (let i = 0; i < 40; i++) {
        time += pick([0, 100, 700]);
        done.push(pick(all)(nb, model));
        const before = JSON.stringify(model.entries(PATH));
        model.resync(readMark);
        const after = JSON.stringify(model.entries(PATH));
        if (before !== after) {
          // The steps that led here, to replay the failure.
          expect({ seed, done, entries: before }).toEqual({
            seed,
            done,
            entries: after
          });
        }
      }
      model.dispose();
    }
  });
});
