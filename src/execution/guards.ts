/**
 * JupyterLab's guards before running code, with its own dialogs: their
 * strings are loaded under JupyterLab's translation domain (`jupyterlab`),
 * so its translations of them apply.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { ICodeCellModel } from '@jupyterlab/cells';
import type { INotebookCellExecutor } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

type RunCellOptions = INotebookCellExecutor.IRunCellOptions;
type SessionContext = NonNullable<RunCellOptions['sessionContext']>;

/**
 * Wait, at most `timeoutMs`, until a session whose kernel is on its way has
 * it: the session is still starting (not ready), or a kernel is pending (a
 * kernel change still being patched: `hasNoKernel` is false but the session
 * has no kernel yet). Without it, a cell run right after the notebook opened
 * found no kernel and was dropped (prompt `[ ]`, no request).
 *
 * @returns whether the session now has a kernel.
 */
export async function kernelSettled(
  sessionContext: SessionContext,
  timeoutMs: number
): Promise<boolean> {
  const hasKernel = () => !!sessionContext.session?.kernel;
  const pending = () =>
    !hasKernel() && (!sessionContext.isReady || !sessionContext.hasNoKernel);
  if (!pending()) {
    return hasKernel();
  }
  await new Promise<void>(resolve => {
    const check = () => {
      if (!pending()) {
        done();
      }
    };
    const done = () => {
      clearTimeout(timer);
      sessionContext.kernelChanged.disconnect(check);
      sessionContext.sessionChanged.disconnect(check);
      sessionContext.statusChanged.disconnect(check);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    sessionContext.kernelChanged.connect(check);
    sessionContext.sessionChanged.connect(check);
    sessionContext.statusChanged.connect(check);
    sessionContext.ready.then(check, done);
  });
  return hasKernel();
}

/**
 * JupyterLab's guards before running code: a terminating session, pending
 * input, no kernel.
 */
export async function checkKernel(
  options: RunCellOptions,
  sessionContext: SessionContext,
  trans: TranslationBundle
): Promise<'ready' | 'blocked' | 'no-kernel'> {
  if (sessionContext.isTerminating) {
    await showDialog({
      title: trans.__('Kernel Terminating'),
      body: trans.__(
        'The kernel for %1 appears to be terminating. You can not run any cell for now.',
        sessionContext.session?.path
      ),
      buttons: [Dialog.okButton()]
    });
    return 'blocked';
  }
  if (sessionContext.pendingInput) {
    await showDialog({
      title: trans.__('Cell not executed due to pending input'),
      body: trans.__(
        'The cell has not been executed to avoid kernel deadlock as there is another pending input! Type your input in the input box, press Enter and try again.'
      ),
      buttons: [Dialog.okButton()]
    });
    return 'blocked';
  }
  if (sessionContext.hasNoKernel) {
    const shouldSelect = await sessionContext.startKernel();
    if (shouldSelect && options.sessionDialogs) {
      await options.sessionDialogs.selectKernel(sessionContext);
    }
  }
  if (sessionContext.hasNoKernel || !sessionContext.session?.kernel) {
    options.cell.model.sharedModel.transact(() => {
      (options.cell.model as ICodeCellModel).clearExecution();
    });
    return 'no-kernel';
  }
  return 'ready';
}
