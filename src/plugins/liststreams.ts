/**
 * Stream text that other frontends (jpterm) store as a list of chunks
 * renders as the same text stored as one string (see render/liststreams.ts).
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { YCodeCell } from '@jupyter/ydoc';
import {
  installListStreamReading,
  type ICodeCellReader
} from '../render/liststreams';

export const listStreamsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@jupyterlab-handoff/extension:list-streams',
  description:
    'Renders stream text written as a list of chunks (jpterm) exactly as the same text written as one string.',
  autoStart: true,
  activate: (): void => {
    installListStreamReading(YCodeCell.prototype as unknown as ICodeCellReader);
  }
};
