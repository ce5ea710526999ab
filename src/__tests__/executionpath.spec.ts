import {
  chooseExecutionPath,
  decidedBackend
} from '../execution/executionpath';
import type {
  BackendDecision,
  ClientPathReason,
  IExecutionBackend
} from '../tokens';

const BACKEND = { id: 'test' } as IExecutionBackend;

function lookups(available: boolean | Error, documentId: string | null) {
  return {
    backend: jest.fn(() =>
      available instanceof Error
        ? Promise.reject(available)
        : Promise.resolve(available ? BACKEND : ('no-backend' as const))
    ),
    documentId: jest.fn(() => Promise.resolve(documentId))
  };
}

describe('chooseExecutionPath', () => {
  it('runs in the tab when disabled, without any lookup', async () => {
    const lazy = lookups(true, 'json:notebook:abc');
    await expect(
      chooseExecutionPath({ enabled: false, collaborative: true, ...lazy })
    ).resolves.toEqual({ path: 'client', reason: 'disabled' });
    expect(lazy.backend).not.toHaveBeenCalled();
    expect(lazy.documentId).not.toHaveBeenCalled();
  });

  it('says disabled before not-collaborative when both fail', async () => {
    const lazy = lookups(true, 'json:notebook:abc');
    await expect(
      chooseExecutionPath({ enabled: false, collaborative: false, ...lazy })
    ).resolves.toEqual({ path: 'client', reason: 'disabled' });
  });

  it('runs in the tab when the notebook is not collaborative, without any lookup', async () => {
    const lazy = lookups(true, 'json:notebook:abc');
    await expect(
      chooseExecutionPath({ enabled: true, collaborative: false, ...lazy })
    ).resolves.toEqual({ path: 'client', reason: 'not-collaborative' });
    expect(lazy.backend).not.toHaveBeenCalled();
    expect(lazy.documentId).not.toHaveBeenCalled();
  });

  it('runs in the tab without a backend, and does not wait for the document id', async () => {
    const lazy = lookups(false, 'json:notebook:abc');
    await expect(
      chooseExecutionPath({ enabled: true, collaborative: true, ...lazy })
    ).resolves.toEqual({ path: 'client', reason: 'no-backend' });
    expect(lazy.backend).toHaveBeenCalledTimes(1);
    expect(lazy.documentId).not.toHaveBeenCalled();
  });

  it('runs in the tab without a document id', async () => {
    const lazy = lookups(true, null);
    await expect(
      chooseExecutionPath({ enabled: true, collaborative: true, ...lazy })
    ).resolves.toEqual({ path: 'client', reason: 'no-document-id' });
    expect(lazy.backend).toHaveBeenCalledTimes(1);
    expect(lazy.documentId).toHaveBeenCalledTimes(1);
  });

  it('treats an empty document id as missing', async () => {
    const lazy = lookups(true, '');
    await expect(
      chooseExecutionPath({ enabled: true, collaborative: true, ...lazy })
    ).resolves.toEqual({ path: 'client', reason: 'no-document-id' });
  });

  it('runs on the server with the document id when everything holds', async () => {
    const lazy = lookups(true, 'json:notebook:abc');
    await expect(
      chooseExecutionPath({ enabled: true, collaborative: true, ...lazy })
    ).resolves.toEqual({
      path: 'server',
      documentId: 'json:notebook:abc',
      backend: BACKEND
    });
    expect(lazy.backend).toHaveBeenCalledTimes(1);
    expect(lazy.documentId).toHaveBeenCalledTimes(1);
  });

  it('propagates a failing availability probe without asking for the document id', async () => {
    const lazy = lookups(new Error('offline'), 'json:notebook:abc');
    await expect(
      chooseExecutionPath({ enabled: true, collaborative: true, ...lazy })
    ).rejects.toThrow('offline');
    expect(lazy.documentId).not.toHaveBeenCalled();
  });
});

describe('decidedBackend', () => {
  const decide = (decision: BackendDecision | Error) => ({
    decide: () =>
      decision instanceof Error
        ? Promise.reject(decision)
        : Promise.resolve(decision)
  });

  it.each<[BackendDecision | Error, IExecutionBackend | ClientPathReason]>([
    [{ kind: 'backend', backend: BACKEND }, BACKEND],
    [
      {
        kind: 'unsupported',
        id: 'jupyter-server-documents',
        label: 'jupyter-server-documents'
      },
      'unsupported-backend'
    ],
    [{ kind: 'unknown', status: 405 }, 'unknown-backend'],
    [{ kind: 'none', installHint: 'pip install x' }, 'no-backend'],
    [new Error('offline'), 'server-unreachable']
  ])('turns %j into %j', async (decision, expected) => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const hints: (string | null)[] = [];
    await expect(
      decidedBackend(decide(decision), 'k1', hint => hints.push(hint))
    ).resolves.toBe(expected);
    // Only a server without any backend has something to install.
    expect(hints).toEqual(expected === 'no-backend' ? ['pip install x'] : []);
    warn.mockRestore();
  });
});
