/**
 * jupyter-server-documents: recognised, not supported yet (a later issue
 * adds its backend).
 *
 * Its execute route answers `GET` with 405, as jupyverse's does; only it
 * serves `api/fileid/index` (POST-only: a `GET` answers 405, where a server
 * without the route answers 404). On such a server the extension steps
 * aside: the server's own executor stays in charge.
 */
import type { IBackendFactory } from '../tokens';

export const serverDocumentsFactory: IBackendFactory = {
  id: 'jupyter-server-documents',
  label: 'jupyter-server-documents',
  rank: 50,
  detect: async probe => {
    const execute = `api/kernels/${encodeURIComponent(probe.kernelId)}/execute`;
    if ((await probe.status(execute)) !== 405) {
      return false;
    }
    return (await probe.status('api/fileid/index')) !== 404;
  },
  create: () => null
};
