/**
 * The id of a notebook's shared document (`json:notebook:<file id>`).
 */
import type { ISharedDocument } from '@jupyter/ydoc';

/**
 * Resolve the document id, waiting for the first sync if it is not known
 * yet; `null` if it does not arrive within `timeoutMs`.
 */
export function waitForDocumentId(
  sharedModel: Pick<ISharedDocument, 'getState' | 'changed'>,
  timeoutMs: number
): Promise<string | null> {
  const read = () => {
    const id = sharedModel.getState('document_id');
    return typeof id === 'string' && id ? id : null;
  };
  const known = read();
  if (known) {
    return Promise.resolve(known);
  }
  return new Promise(resolve => {
    const onChanged = () => {
      const id = read();
      if (id) {
        done(id);
      }
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    const done = (id: string | null) => {
      clearTimeout(timer);
      sharedModel.changed.disconnect(onChanged);
      resolve(id);
    };
    sharedModel.changed.connect(onChanged);
  });
}
