/**
 * List-form stream text (jpterm) read as its joined text, on real YNotebooks
 * synced in memory (a writer's and a tab's) and JupyterLab's real
 * CodeCellModel.
 */
import { CodeCellModel } from '@jupyterlab/cells';
import { YCodeCell, type YNotebook } from '@jupyter/ydoc';
import type { IDisposable } from '@lumino/disposable';
import * as Y from 'yjs';
import {
  installListStreamReading,
  joinChanges,
  joinStreamText
} from '../render/liststreams';
import { codeCell, notebookWithCells } from './fakes';
import { holdableSync } from './outputfakes';

/** Append a stream output as jpterm does: `text` is a Y.Array of chunks. */
function jptermStream(cell: YCodeCell, chunks: string[]): Y.Array<string> {
  const text = new Y.Array<string>();
  text.push(chunks);
  const output = new Y.Map<any>([
    ['name', 'stdout'],
    ['output_type', 'stream'],
    ['text', text]
  ]);
  cell.ymodel.doc!.transact(() => {
    cell.youtputs.push([output]);
  });
  return text;
}

/** What the cell model shows: each output's text or plain data. */
function shown(model: CodeCellModel): string[] {
  const all: string[] = [];
  for (let i = 0; i < model.outputs.length; i++) {
    const json = model.outputs.get(i).toJSON() as any;
    all.push(
      json.output_type === 'stream'
        ? Array.isArray(json.text)
          ? json.text.join('')
          : json.text
        : json.data['text/plain']
    );
  }
  return all;
}

const CHUNKS = ['out 0\n', 'out 1\n', 'par', 'tial\n', 'end\n'];
const JOINED = 'out 0\nout 1\npartial\nend\n';

function pair(): { writer: YNotebook; tab: YNotebook; sync: any } {
  const writer = notebookWithCells(['c']);
  const tab = notebookWithCells([]);
  const sync = holdableSync(writer, tab);
  return { writer, tab, sync };
}

describe('list-form stream text', () => {
  describe('without the fix (JupyterLab 4.6 as it is)', () => {
    it('shows a blank line between chunks in a tab opened afterwards', () => {
      const { writer, tab } = pair();
      jptermStream(codeCell(writer, 'c'), CHUNKS);
      const model = new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      expect(shown(model)).toEqual(['out 0\n\nout 1\n\npar\ntial\n\nend\n']);
    });

    it('joins chunks that arrive in one update with commas in an open tab', () => {
      const { writer, tab, sync } = pair();
      const model = new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      const text = jptermStream(codeCell(writer, 'c'), ['a\n']);
      sync.hold();
      text.push(['b\n']);
      text.push(['c\n']);
      sync.release();
      expect(shown(model)).toEqual(['a\nb\n,c\n']);
    });
  });

  describe('with the fix', () => {
    let installed: IDisposable;
    beforeEach(() => {
      installed = installListStreamReading(YCodeCell.prototype as any);
    });
    afterEach(() => {
      installed.dispose();
    });

    it('shows the exact text in a tab opened afterwards', () => {
      const { writer, tab } = pair();
      jptermStream(codeCell(writer, 'c'), CHUNKS);
      const model = new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      expect(shown(model)).toEqual([JOINED]);
    });

    it('shows the exact text in a tab open during the run, chunk by chunk or several at once', () => {
      const { writer, tab, sync } = pair();
      const model = new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      const text = jptermStream(codeCell(writer, 'c'), ['out 0\n']);
      text.push(['out 1\n']);
      text.push(['par']);
      // A reconnecting tab gets what it missed as one update.
      sync.hold();
      text.push(['tial\n']);
      text.push(['end\n']);
      sync.release();
      expect(shown(model)).toEqual([JOINED]);
      // And the same as a tab built from the document now.
      const later = new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      expect(shown(later)).toEqual([JOINED]);
    });

    it('leaves the shared document as the writer wrote it', () => {
      const { writer, tab } = pair();
      jptermStream(codeCell(writer, 'c'), CHUNKS);
      new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      const stored = codeCell(tab, 'c').youtputs.get(0) as Y.Map<any>;
      expect(stored.get('text')).toBeInstanceOf(Y.Array);
      expect((stored.get('text') as Y.Array<string>).toArray()).toEqual(CHUNKS);
      const written = codeCell(writer, 'c').youtputs.get(0) as Y.Map<any>;
      expect(written.get('text')).toBeInstanceOf(Y.Array);
    });

    it('passes string text and other outputs through untouched', () => {
      const { writer, tab } = pair();
      const cell = codeCell(writer, 'c');
      cell.setOutputs([
        {
          output_type: 'display_data',
          data: { 'text/plain': 'x' },
          metadata: {}
        },
        { output_type: 'stream', name: 'stdout', text: 'a\nb\n' }
      ]);
      const model = new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      expect(shown(model)).toEqual(['x', 'a\nb\n']);
      // A Y.Text stream still grows in an open tab.
      const ytext = (cell.youtputs.get(1) as Y.Map<any>).get('text') as Y.Text;
      ytext.insert(ytext.length, 'c\n');
      expect(shown(model)).toEqual(['x', 'a\nb\nc\n']);
    });

    it('installs once, and disposing restores JupyterLab', () => {
      const proto = YCodeCell.prototype as any;
      const patched = proto.getOutputs;
      const again = installListStreamReading(proto);
      expect(proto.getOutputs).toBe(patched);
      again.dispose();
      expect(proto.getOutputs).toBe(patched);
      installed.dispose();
      expect(proto.getOutputs).not.toBe(patched);
      const { writer, tab } = pair();
      jptermStream(codeCell(writer, 'c'), ['a\n', 'b\n']);
      const model = new CodeCellModel({ sharedModel: codeCell(tab, 'c') });
      expect(shown(model)).toEqual(['a\n\nb\n']);
    });
  });

  it('joins only list-form stream text', () => {
    const display = { output_type: 'display_data', data: {}, metadata: {} };
    expect(joinStreamText(display)).toBe(display);
    expect(
      joinStreamText({
        output_type: 'stream',
        name: 'stdout',
        text: ['a', 'b']
      })
    ).toEqual({ output_type: 'stream', name: 'stdout', text: 'ab' });
    const changes = { outputsChange: [{ retain: 1 }], other: 1 };
    expect(joinChanges(changes)).toEqual(changes);
    expect(
      joinChanges({
        streamOutputChange: [{ retain: 2 }, { insert: ['x', 'y'] }]
      })
    ).toEqual({ streamOutputChange: [{ retain: 2 }, { insert: 'xy' }] });
  });
});
