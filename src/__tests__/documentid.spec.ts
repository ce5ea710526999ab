import { YNotebook } from '@jupyter/ydoc';
import { waitForDocumentId } from '../execution/documentid';

describe('waitForDocumentId', () => {
  let notebook: YNotebook;

  beforeEach(() => {
    jest.useFakeTimers();
    notebook = new YNotebook();
  });

  afterEach(() => {
    notebook.dispose();
    jest.useRealTimers();
  });

  it('resolves at once when the id is known', async () => {
    notebook.setState('document_id', 'json:notebook:abc');
    await expect(waitForDocumentId(notebook, 1000)).resolves.toBe(
      'json:notebook:abc'
    );
  });

  it('waits for the first sync to set the id', async () => {
    let result: string | null | undefined;
    void waitForDocumentId(notebook, 1000).then(id => (result = id));
    await jest.advanceTimersByTimeAsync(300);
    expect(result).toBeUndefined();
    // Other state changes are not the id.
    notebook.setState('dirty', true);
    notebook.setState('document_id', '');
    await jest.advanceTimersByTimeAsync(0);
    expect(result).toBeUndefined();

    notebook.setState('document_id', 'json:notebook:late');
    await jest.advanceTimersByTimeAsync(0);
    expect(result).toBe('json:notebook:late');
  });

  it('gives up with null after the timeout', async () => {
    let result: string | null | undefined;
    void waitForDocumentId(notebook, 500).then(id => (result = id));
    await jest.advanceTimersByTimeAsync(499);
    expect(result).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(result).toBeNull();

    // And stops listening: a later id does not matter any more.
    notebook.setState('document_id', 'json:notebook:late');
    await jest.advanceTimersByTimeAsync(0);
    expect(result).toBeNull();
  });
});
