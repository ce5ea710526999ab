/**
 * The derivation table: a cell's in-flight state from facts.
 */
import {
  deriveCell,
  type ICellFacts,
  type IDocumentFacts,
  type IKernelFacts,
  type IOwnFacts
} from '../inflight/derive';
import type { IInFlightRequest } from '../tokens';

const DOC: IDocumentFacts = {
  active: true,
  stateRunning: true,
  busy: false,
  carried: false,
  serverRequest: null,
  serverRequestEnded: false,
  serverSince: 0,
  activeSince: 1000,
  initial: false,
  orphaned: null,
  orphanedAt: 0,
  dismissed: false,
  stale: false
};

const OWN: IOwnFacts = {
  requestId: 'r1',
  kernelId: 'k1',
  status: null,
  at: 1000,
  settling: false,
  finished: false,
  ended: false
};

const KERNEL: IKernelFacts = {
  status: 'busy',
  hasListing: true,
  listedAt: 5000,
  idleAtListing: false,
  listed: undefined,
  ownListed: false
};

function listed(status: IInFlightRequest['status'], requestId = 'r1') {
  return {
    requestId,
    kernelId: 'k1',
    cellId: 'c',
    documentPath: null,
    status
  };
}

function facts(
  doc: Partial<IDocumentFacts>,
  own: Partial<IOwnFacts> | null,
  kernel: Partial<IKernelFacts> | null
): ICellFacts {
  return {
    doc: { ...DOC, ...doc },
    own: own ? { ...OWN, ...own } : undefined,
    kernel: kernel ? { ...KERNEL, ...kernel } : undefined,
    hasKernel: true,
    grace: 1000
  };
}

type Row = [
  string,
  Partial<IDocumentFacts>,
  Partial<IOwnFacts> | null,
  Partial<IKernelFacts> | null,
  {
    state: string | null;
    source?: string;
    ours?: boolean;
    stale?: boolean;
    settleOwn?: boolean;
    need?: string | null;
  }
];

const TABLE: Row[] = [
  // The listing wins.
  [
    'listed queued',
    {},
    null,
    { listed: listed('queued') },
    { state: 'queued', source: 'listing' }
  ],
  [
    'listed queued but the mark says it started',
    { serverRequest: 'r1' },
    null,
    { listed: listed('queued') },
    { state: 'running', source: 'listing' }
  ],
  [
    'listed running, this tab read a prompt',
    {},
    { status: 'input' },
    { listed: listed('running'), ownListed: true },
    { state: 'input', source: 'listing', ours: true }
  ],
  [
    'listed input',
    {},
    null,
    { listed: listed('input') },
    { state: 'input', source: 'listing', ours: false }
  ],
  // This tab's submission.
  [
    'own, not started',
    {},
    {},
    null,
    { state: 'queued', source: 'submission', ours: true }
  ],
  [
    'own, started per the mark',
    { serverRequest: 'r1' },
    {},
    null,
    { state: 'running', source: 'submission' }
  ],
  [
    'own, the mark names an older run',
    { serverRequest: 'r0' },
    {},
    null,
    { state: 'queued', source: 'submission' }
  ],
  [
    'own on a busy backend, the document says busy',
    { busy: true },
    { requestId: null },
    null,
    { state: 'running', source: 'submission' }
  ],
  [
    'own on a busy backend, tab-marked only',
    {},
    { requestId: null },
    null,
    { state: 'queued', source: 'submission' }
  ],
  [
    'own, waiting for input per its reads',
    { serverRequest: 'r1' },
    { status: 'input' },
    null,
    { state: 'input' }
  ],
  [
    'own, its request ended: settle it, show nothing',
    { active: false, stateRunning: false },
    { ended: true },
    null,
    { state: null, settleOwn: true }
  ],
  [
    'own, settling while the document still runs',
    {},
    { settling: true },
    null,
    { state: null, need: 'other' }
  ],
  // The document alone.
  [
    'idle cell',
    { active: false, stateRunning: false },
    null,
    null,
    { state: null }
  ],
  ['dismissed cell', { dismissed: true }, null, null, { state: null }],
  [
    'running without mark, no listing yet',
    {},
    null,
    { hasListing: false },
    { state: 'queued', source: 'document', need: 'other' }
  ],
  [
    'running with mark, no listing yet',
    { serverRequest: 'r9' },
    null,
    { hasListing: false },
    { state: 'running', need: 'other' }
  ],
  [
    'busy, never any listing (poorest backend)',
    { busy: true },
    null,
    null,
    { state: 'running', need: 'other' }
  ],
  [
    'running, listing too early to tell',
    {},
    null,
    { listedAt: 1500 },
    { state: 'queued', need: 'grace' }
  ],
  [
    'running, not listed, kernel idle then and now: stale',
    {},
    null,
    { status: 'idle', idleAtListing: true },
    { state: 'stale', stale: true }
  ],
  [
    'running, not listed, kernel busy: running elsewhere',
    {},
    null,
    {},
    { state: 'running', need: 'other' }
  ],
  [
    'already flagged stale stays stale',
    { stale: true },
    null,
    {},
    { state: 'stale', stale: true }
  ],
  [
    'cut off by a death, kernel idle: stale',
    { orphaned: 'hard' },
    null,
    { status: 'idle' },
    { state: 'stale', stale: true }
  ],
  [
    'cut off by a kernel change, kernel busy: nothing yet',
    { orphaned: 'hard' },
    null,
    {},
    { state: null }
  ],
  [
    'cut off by a restart, no listing: nothing',
    { orphaned: 'soft' },
    null,
    { hasListing: false },
    { state: null, need: 'other' }
  ],
  [
    'cut off by an interrupt, idle after: stale',
    { orphaned: 'soft', orphanedAt: 1000 },
    null,
    { status: 'idle', idleAtListing: true },
    { state: 'stale' }
  ],
  [
    'a moved cell seen fresh, mark only',
    { stateRunning: false, serverRequest: 'r3' },
    null,
    {},
    { state: 'running', need: 'grace' }
  ],
  [
    'a cell active when the notebook opened needs no grace',
    { initial: true, activeSince: 5000 },
    null,
    { status: 'idle', idleAtListing: true },
    { state: 'stale' }
  ]
];

describe('deriveCell', () => {
  it.each(TABLE)('%s', (_, doc, own, kernel, expected) => {
    const input = facts(doc, own, kernel);
    const frozen = JSON.stringify(input);
    const derived = deriveCell(input);
    expect(derived).toMatchObject(expected);
    // Pure: the facts are untouched.
    expect(JSON.stringify(input)).toBe(frozen);
  });

  it('a notebook without a kernel: a hard-orphaned cell is stale', () => {
    const input = facts({ orphaned: 'hard' }, null, null);
    expect(deriveCell({ ...input, hasKernel: false })).toMatchObject({
      state: 'stale',
      stale: true
    });
  });
});
