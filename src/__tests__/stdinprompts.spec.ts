import { BackendError } from '../backend/types';
import { NBMODEL_CAPABILITIES } from '../backend/nbmodel';
import { PromptWatcher } from '../stdin/prompts';
import {
  KERNEL,
  PATH,
  advance,
  fakeServer,
  newWatcher,
  running
} from './stdinfakes';

describe('PromptWatcher', () => {
  let watcher: PromptWatcher;

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    watcher?.dispose();
    jest.useRealTimers();
  });

  function watch(server: ReturnType<typeof fakeServer>): PromptWatcher {
    watcher = newWatcher(server);
    return watcher;
  }

  it('polls only while a request runs, with the request id it was given', async () => {
    const server = fakeServer();
    watch(server);
    await advance(2000);
    expect(server.findInput).not.toHaveBeenCalled();

    // Another tab's run: the id comes from the cell mark, not a submission.
    watcher.setRunning([running('r1')]);
    await advance(150);
    expect(server.findInput).toHaveBeenCalledWith(KERNEL, { requestId: 'r1' });

    watcher.setRunning([]);
    const calls = server.findInput.mock.calls.length;
    await advance(5000);
    expect(server.findInput).toHaveBeenCalledTimes(calls);
  });

  it('shows a prompt found, in the cell of its request, until a read no longer finds it', async () => {
    const server = fakeServer();
    watch(server);
    const changes = jest.fn();
    watcher.changed.connect(changes);
    watcher.setRunning([running('r1', 'c7')]);
    await advance(150);
    expect(watcher.prompts).toEqual([]);

    server.ask('r1', 'p1', 'pw: ', true);
    await advance(1000);
    expect(watcher.prompt(PATH, 'c7')).toMatchObject({
      kernelId: KERNEL,
      requestId: 'r1',
      prompt: 'pw: ',
      password: true,
      id: 'p1'
    });
    expect(watcher.waiting(KERNEL)).toEqual(['r1']);
    expect(changes).toHaveBeenCalledTimes(1);

    // Another tab answered it: gone by the next read (at most maxMs).
    server.clear();
    await advance(1000);
    expect(watcher.prompt(PATH, 'c7')).toBeUndefined();
    expect(watcher.waiting(KERNEL)).toEqual([]);
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it('drops the prompt at once when its request stops running (interrupt, restart, re-run)', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    expect(watcher.prompts).toHaveLength(1);
    // The document shows the cell idle, or running another request.
    watcher.setRunning([running('r2')]);
    expect(watcher.prompts).toHaveLength(0);
  });

  it('never shows a prompt read before its run ended', async () => {
    const server = fakeServer();
    watch(server);
    let release: () => void = () => undefined;
    server.findInput.mockImplementationOnce(
      () =>
        new Promise(resolve => {
          release = () =>
            resolve({ prompt: 'who? ', password: false, id: 'p1' });
        })
    );
    watcher.setRunning([running('r1')]);
    await advance(150);
    watcher.setRunning([]);
    release();
    await advance(10);
    expect(watcher.prompts).toHaveLength(0);
  });

  it('answers once: the box goes at once, a read in flight does not bring it back, the next prompt shows', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    const shown = watcher.prompts[0];

    const result = watcher.answer(shown, 'Ada');
    expect(watcher.prompts).toHaveLength(0);
    await expect(result).resolves.toBe('answered');
    expect(server.answers).toEqual([
      { requestId: 'r1', id: 'p1', value: 'Ada' }
    ]);
    // A read that still saw the answered prompt (the server had not yet
    // taken the answer) does not show it again.
    server.ask('r1', 'p1');
    await advance(150);
    expect(watcher.prompts).toHaveLength(0);
    // The run's next prompt is another one.
    server.ask('r1', 'p2', 'again? ');
    await advance(1000);
    expect(watcher.prompts.map(p => p.prompt)).toEqual(['again? ']);
  });

  it('says so when another tab answered first, and sends nothing twice', async () => {
    const server = fakeServer();
    watch(server);
    const late = jest.fn();
    watcher.late.connect((_, shown) => late(shown.requestId));
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    const shown = watcher.prompts[0];
    // Tab B's answer reached the server before ours.
    server.clear();
    await expect(watcher.answer(shown, 'late')).resolves.toBe('late');
    expect(late).toHaveBeenCalledWith('r1');
    expect(server.answers).toEqual([]);
    // Answering a prompt no longer shown sends nothing.
    await expect(watcher.answer(shown, 'again')).resolves.toBe('gone');
    expect(server.answerInput).toHaveBeenCalledTimes(1);
  });

  it('shows the prompt again when the answer could not be sent', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(150);
    const shown = watcher.prompts[0];
    server.fail(new BackendError('unreachable', null, 'no answer'));
    await expect(watcher.answer(shown, 'Ada')).rejects.toThrow(BackendError);
    expect(watcher.prompts).toEqual([shown]);
    server.fail(null);
    await expect(watcher.answer(shown, 'Ada')).resolves.toBe('answered');
  });

  it('backs off while nothing changes, and after errors', async () => {
    const server = fakeServer();
    watch(server);
    watcher.setRunning([running('r1')]);
    await advance(5000);
    // 100, 150, 225, 338, 507, 761, 1000, 1000 ... rather than every 100 ms.
    const calls = server.findInput.mock.calls.length;
    expect(calls).toBeGreaterThan(4);
    expect(calls).toBeLessThan(12);
    server.fail(new BackendError('unreachable', null, 'down'));
    const before = server.findInput.mock.calls.length;
    await advance(5000);
    expect(server.findInput.mock.calls.length - before).toBeLessThan(8);
    expect(watcher.prompts).toEqual([]);
  });

  it('stands by while the page is hidden', async () => {
    const server = fakeServer();
    let hidden = true;
    watcher = newWatcher(server, () => hidden);
    watcher.setRunning([running('r1')]);
    server.ask('r1', 'p1');
    await advance(3000);
    expect(server.findInput).not.toHaveBeenCalled();
    hidden = false;
    await advance(1000);
    expect(server.findInput).toHaveBeenCalled();
    expect(watcher.prompts).toHaveLength(1);
  });

  it('asks nothing of a backend that cannot answer prompts', async () => {
    const server = fakeServer();
    (server.backend as any).capabilities = {
      ...NBMODEL_CAPABILITIES,
      input: 'none'
    };
    watch(server);
    watcher.setRunning([running('r1')]);
    await advance(3000);
    expect(server.findInput).not.toHaveBeenCalled();
  });
});
