/**
 * Render coalescing with JupyterLab's real OutputArea, fed through a synced
 * pair of YNotebooks by a writer that writes as nbmodel does: a burst of
 * updates renders once (at once when the output was quiet, else at the next
 * frame), the text shown is the final text, and
 * structural changes in between never leave a stale or broken output.
 */
import { OutputArea } from '@jupyterlab/outputarea';
import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { OutputRenderCoalescer } from '../render/coalesce';
import { serverAndTab } from './outputfakes';

/** A scheduler whose frames the test runs by hand. */
function manualFrames() {
  let queued: Array<() => void> = [];
  return {
    schedule: (callback: () => void) => {
      queued.push(callback);
      return () => {
        queued = queued.filter(c => c !== callback);
      };
    },
    get pending() {
      return queued.length;
    },
    /** Run the callbacks of one frame, and let the renderers finish. */
    async frame() {
      const run = queued;
      queued = [];
      run.forEach(callback => callback());
      await new Promise(resolve => setTimeout(resolve, 0));
    }
  };
}

/**
 * A cell being run by the fake server, shown by a real OutputArea in the
 * tab, with render coalescing on frames the test runs by hand (or off).
 */
function setup(options: { coalesce: boolean } = { coalesce: true }) {
  const env = serverAndTab();
  const rendermime = new RenderMimeRegistry({
    initialFactories: standardRendererFactories
  });
  const area = new OutputArea({ model: env.model.outputs, rendermime });
  const frames = manualFrames();
  const coalescer = options.coalesce
    ? new OutputRenderCoalescer(area, frames.schedule)
    : null;
  const shown = () =>
    [...area.node.querySelectorAll('.jp-OutputArea-output')].map(
      node => node.textContent
    );
  env.writer.start();
  return {
    ...env,
    area,
    frames,
    shown,
    coalescer: coalescer!,
    dispose() {
      coalescer?.dispose();
      area.dispose();
      env.dispose();
    }
  };
}

/** Count the area's own in-place renders. */
function countRenders(area: OutputArea): { count: number } {
  const counter = { count: 0 };
  const target = area as unknown as {
    _setOutput: (index: number, model: unknown) => void;
  };
  const original = target._setOutput;
  target._setOutput = function (this: unknown, index, model) {
    counter.count++;
    return original.call(this, index, model);
  };
  return counter;
}

describe('OutputRenderCoalescer', () => {
  let env: ReturnType<typeof setup>;

  afterEach(() => env.dispose());

  it('renders a burst of 200 progress updates once, showing the last', async () => {
    env = setup();
    const coalescer = env.coalescer;
    env.writer.stream('stdout', 'progress 0');
    for (let i = 1; i < 200; i++) {
      env.writer.stream('stdout', `\rprogress ${i}`);
    }
    // A `\r` rewrite is a delete and an insert of the shared text: two
    // changes, each asking for a render of the whole text.
    expect(coalescer.requests).toBe(398);
    expect(coalescer.renders).toBe(0);
    expect(env.frames.pending).toBe(1);

    // The output was quiet: the burst renders at the end of its task,
    // without waiting for a frame.
    await Promise.resolve();
    expect(coalescer.renders).toBe(1);
    expect(env.shown()).toEqual(['progress 199']);
    await env.frames.frame();
    await env.frames.frame();
    expect(coalescer.renders).toBe(1);
  });

  it('renders a quiet output at once, holds what follows in that frame for the next, and is quiet again after a frame with nothing', async () => {
    env = setup();
    const coalescer = env.coalescer;
    const task = () => new Promise(resolve => setTimeout(resolve, 0));
    env.writer.stream('stdout', 'a');
    env.writer.stream('stdout', 'b');
    await task();
    expect(coalescer.renders).toBe(1);
    expect(env.shown()).toEqual(['ab']);

    // Later tasks of the same frame: held for the frame after it.
    env.writer.stream('stdout', 'c');
    await task();
    env.writer.stream('stdout', 'd');
    await task();
    expect(coalescer.renders).toBe(1);
    await env.frames.frame();
    expect(coalescer.renders).toBe(1);
    expect(env.shown()).toEqual(['ab']);
    await env.frames.frame();
    expect(coalescer.renders).toBe(2);
    expect(env.shown()).toEqual(['abcd']);

    // A frame with nothing to render ends the busy spell: no frame is
    // asked for, and the next change renders at once again.
    await env.frames.frame();
    expect(env.frames.pending).toBe(0);
    env.writer.stream('stdout', 'e');
    await task();
    expect(coalescer.renders).toBe(3);
    expect(env.shown()).toEqual(['abcde']);
  });

  it('without it, the same burst renders the whole text 398 times', async () => {
    env = setup({ coalesce: false });
    const renders = countRenders(env.area);
    env.writer.stream('stdout', 'progress 0');
    for (let i = 1; i < 200; i++) {
      env.writer.stream('stdout', `\rprogress ${i}`);
    }
    expect(renders.count).toBe(398);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(env.shown()).toEqual(['progress 199']);
  });

  it('renders once per frame per output while a flood goes on, and ends exact', async () => {
    env = setup();
    const coalescer = env.coalescer;
    let expected = '';
    for (let frame = 0; frame < 20; frame++) {
      for (let chunk = 0; chunk < 10; chunk++) {
        const lines = Array.from(
          { length: 100 },
          (_, i) => `line ${frame * 1000 + chunk * 100 + i}\n`
        ).join('');
        expected += lines;
        env.writer.stream('stdout', lines);
        env.writer.stream('stderr', `warning ${frame}.${chunk}\n`);
      }
      await env.frames.frame();
    }
    // Each stream name got its own output per chunk (nbmodel starts a new
    // output when the name changes), so nothing was updated in place twice.
    expect(env.tabOutputs()).toEqual(env.serverOutputs());
    const outputs = env.model.outputs.toJSON();
    expect(
      outputs
        .filter(o => o.output_type === 'stream' && o.name === 'stdout')
        .map(o => o.text)
        .join('')
    ).toBe(expected);
    expect(env.shown().join('')).toBe(
      outputs.map(o => (o as { text: string }).text).join('')
    );
    expect(coalescer.renders).toBeLessThanOrEqual(coalescer.requests);
  });

  it('renders one stream appended to over many frames once per frame', async () => {
    env = setup();
    const coalescer = env.coalescer;
    let expected = '';
    for (let frame = 0; frame < 30; frame++) {
      for (let chunk = 0; chunk < 10; chunk++) {
        const line = `line ${frame}.${chunk}\n`;
        expected += line;
        env.writer.stream('stdout', line);
      }
      await env.frames.frame();
    }
    // The first chunk created the output (rendered on insert), so frame 0
    // has 9 in-place updates and every other frame 10: one render each.
    expect(coalescer.requests).toBe(299);
    expect(coalescer.renders).toBe(30);
    expect(env.shown()).toEqual([expected]);
  });

  it('drops a pending render when the output was cleared, and shows what came after', async () => {
    env = setup();
    const coalescer = env.coalescer;
    env.writer.stream('stdout', 'a');
    env.writer.stream('stdout', 'b');
    env.writer.clear();
    env.writer.stream('stderr', 'after');
    await env.frames.frame();
    expect(coalescer.renders).toBe(0);
    expect(env.shown()).toEqual(['after']);
  });

  it('follows an output to its new place when an earlier one is removed', async () => {
    env = setup();
    const coalescer = env.coalescer;
    env.writer.stream('stdout', 'first\n');
    env.writer.stream('stderr', 'second\n');
    env.writer.stream('stderr', 'more\n');
    // Another writer removes the first output while the update is pending.
    env.model.outputs.remove(0);
    expect(env.shown()).toEqual(['second\n']);
    await env.frames.frame();
    expect(coalescer.renders).toBe(1);
    expect(env.shown()).toEqual(['second\nmore\n']);
  });

  it('renders what is pending on dispose, then leaves the area as it was', async () => {
    env = setup();
    const coalescer = env.coalescer;
    env.writer.stream('stdout', 'a');
    env.writer.stream('stdout', 'b');
    coalescer.dispose();
    expect(env.frames.pending).toBe(0);
    expect(coalescer.renders).toBe(1);
    expect(Object.prototype.hasOwnProperty.call(env.area, '_setOutput')).toBe(
      false
    );
    const renders = countRenders(env.area);
    env.writer.stream('stdout', 'c');
    expect(renders.count).toBe(1);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(env.shown()).toEqual(['abc']);
  });

  it('does nothing after the area is disposed', async () => {
    env = setup();
    const coalescer = env.coalescer;
    env.writer.stream('stdout', 'a');
    env.writer.stream('stdout', 'b');
    env.area.dispose();
    await env.frames.frame();
    expect(coalescer.renders).toBe(0);
  });
});
