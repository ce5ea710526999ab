/**
 * The seen records on our server part's route (src/whileaway/seenserver.ts):
 * what the adapter sends (paths, auth, XSRF through ServerConnection), the
 * probe that chooses the route or the state database, the migration, and
 * two open browsers that can no longer erase each other. The route itself
 * is tested with pytest on a real server (tests/test_seen.py); here it is
 * an in-memory stand-in with the same answers.
 */
import { YNotebook } from '@jupyter/ydoc';
import { ServerConnection } from '@jupyterlab/services';
import { StateDB } from '@jupyterlab/statedb';
import {
  codeCell,
  markRunning,
  notebookWithCells,
  quietYjsWarnings
} from './fakes';
import {
  awayMessage,
  diffSinceSnapshot,
  takeSnapshot
} from '../whileaway/snapshot';
import { SEEN_NAMESPACE, SeenStore, recordId } from '../whileaway/seenstore';
import {
  NO_SEEN_DB,
  SeenRouteError,
  SeenServerDB,
  chooseSeenBacking,
  deferredBacking,
  migrateSeenRecords
} from '../whileaway/seenserver';

const BASE = 'http://localhost:8888/base/';
const ROUTE = '/base/api/handoff/seen';

quietYjsWarnings();

interface IRecorded {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/**
 * The route's answers, kept in memory (as jupyterlab_handoff/seen.py does
 * on disk); `missing` answers 404 to everything, as a server without our
 * server part does.
 */
function fakeRoute(
  options: { missing?: boolean; fail?: Error; listing?: unknown } = {}
) {
  const records = new Map<string, unknown>();
  const requests: IRecorded[] = [];
  const json = (status: number, body?: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' }
    });
  const fetch = jest.fn(async (input: RequestInfo): Promise<Response> => {
    const request = input as Request;
    const url = new URL(request.url);
    const body = request.method === 'GET' ? '' : await request.text();
    requests.push({
      method: request.method,
      url,
      headers: request.headers,
      body
    });
    if (options.fail) {
      throw options.fail;
    }
    if (options.missing || !url.pathname.startsWith(ROUTE)) {
      return json(404, { message: 'Not Found' });
    }
    const tail = url.pathname.slice(ROUTE.length);
    if (tail === '' && request.method === 'GET') {
      if (options.listing !== undefined) {
        return json(200, options.listing);
      }
      const prefix = url.searchParams.get('prefix') ?? '';
      const ids = [...records.keys()]
        .filter(id => id.startsWith(prefix))
        .sort();
      return json(200, { ids, values: ids.map(id => records.get(id)) });
    }
    const id = decodeURIComponent(tail.slice(1));
    switch (request.method) {
      case 'GET':
        return records.has(id)
          ? json(200, records.get(id))
          : json(404, { message: `no record '${id}'` });
      case 'PUT': {
        let value: unknown;
        try {
          value = JSON.parse(body);
        } catch {
          return json(400, { message: 'the body is not JSON' });
        }
        records.set(id, value);
        return new Response(null, { status: 204 });
      }
      case 'DELETE':
        records.delete(id);
        return new Response(null, { status: 204 });
    }
    return json(405, { message: 'Method Not Allowed' });
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE,
    token: 'secret',
    fetch,
    Request,
    Headers
  });
  return { settings, requests, records };
}

function finish(nb: YNotebook, id: string, count: number): void {
  const cell = codeCell(nb, id);
  nb.transact(() => {
    cell.execution_count = count;
    cell.executionState = 'idle';
    cell.setOutputs([
      { output_type: 'stream', name: 'stdout', text: 'done\n' }
    ]);
  });
}

const english = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (_, i) => String(args[Number(i) - 1])),
  _n: (one: string, many: string, n: number, ...args: unknown[]) =>
    (n === 1 ? one : many).replace(/%(\d+)/g, (_, i) =>
      String(args[Number(i) - 1])
    )
};

const PATH = 'work/a b.ipynb';
const silent = { debug: jest.fn(), warn: jest.fn() };

function record(browser: string, takenAt: number, path = PATH) {
  return { v: 2, browser, path, takenAt, cells: {} };
}

describe('the seen records route adapter', () => {
  it('sends each call under the base URL with the token, the id encoded once more', async () => {
    const { settings, requests } = fakeRoute();
    const db = new SeenServerDB(settings);
    const id = recordId(PATH, 'browser-a');
    await db.save(id, record('browser-a', 5));
    expect(await db.fetch(id)).toEqual(record('browser-a', 5));
    expect(await db.list(SEEN_NAMESPACE)).toEqual({
      ids: [id],
      values: [record('browser-a', 5)]
    });
    await db.remove(id);
    expect(await db.fetch(id)).toBeUndefined();
    expect(requests.map(r => r.method)).toEqual([
      'PUT',
      'GET',
      'GET',
      'DELETE',
      'GET'
    ]);
    // The id's own %-escapes are escaped again: the server gets it back whole.
    expect(requests[0].url.pathname).toBe(`${ROUTE}/${encodeURIComponent(id)}`);
    expect(requests[0].body).toBe(JSON.stringify(record('browser-a', 5)));
    expect(requests[2].url.pathname).toBe(ROUTE);
    expect(requests[2].url.searchParams.get('prefix')).toBe(
      `${SEEN_NAMESPACE}:`
    );
    for (const request of requests) {
      expect(request.headers.get('Authorization')).toBe('token secret');
    }
  });

  it('sends the XSRF cookie as X-XSRFToken on writes', async () => {
    document.cookie = '_xsrf=xsrf-from-cookie';
    try {
      const { settings, requests } = fakeRoute();
      const db = new SeenServerDB(settings);
      await db.save('x', { a: 1 });
      await db.remove('x');
      expect(requests.map(r => r.headers.get('X-XSRFToken'))).toEqual([
        'xsrf-from-cookie',
        'xsrf-from-cookie'
      ]);
    } finally {
      document.cookie = '_xsrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    }
  });

  it("rejects with the server's message, a status, or no status when unreachable", async () => {
    const refused = new SeenServerDB(fakeRoute({ missing: true }).settings);
    await expect(refused.save('x', {})).rejects.toMatchObject({
      status: 404,
      message: 'The server refused the seen records (404): Not Found'
    });
    const down = new SeenServerDB(
      fakeRoute({ fail: new TypeError('Failed to fetch') }).settings
    );
    const error = await down.list(SEEN_NAMESPACE).catch(e => e);
    expect(error).toBeInstanceOf(SeenRouteError);
    expect(error.status).toBeNull();
    expect(error.message).toBe('Failed to fetch');
  });

  it('rejects a malformed listing', async () => {
    for (const listing of [
      { ids: ['x'], values: [] },
      { ids: [1], values: [{}] },
      ['x']
    ]) {
      const db = new SeenServerDB(fakeRoute({ listing }).settings);
      await expect(db.list(SEEN_NAMESPACE)).rejects.toThrow(
        'The seen records listing is malformed'
      );
    }
  });
});

describe('choosing where the seen records live', () => {
  it('takes the route when it answers, moving the state database records there once', async () => {
    const { settings, records } = fakeRoute();
    const server = new SeenServerDB(settings);
    // The server already has a newer record of browser B, none of A.
    const a = recordId(PATH, 'browser-a');
    const b = recordId(PATH, 'browser-b');
    records.set(b, record('browser-b', 50));
    const state = new StateDB();
    await state.save(a, record('browser-a', 10));
    await state.save(b, record('browser-b', 20));
    await state.save('layout-restorer:data', { main: null });
    const remote = jest.fn();
    const backing = await chooseSeenBacking({
      server,
      state,
      remote,
      log: silent
    });
    expect(backing.where).toBe('server');
    expect(backing.db).toBe(server);
    expect(backing.remote).toBeUndefined();
    expect(records.get(a)).toEqual(record('browser-a', 10));
    expect(records.get(b)).toEqual(record('browser-b', 50));
    // Gone from the state database (and so from the next workspace save);
    // the rest of the state is left alone.
    expect((await state.list(SEEN_NAMESPACE)).ids).toEqual([]);
    expect(await state.fetch('layout-restorer:data')).toEqual({ main: null });
    // A second page load finds nothing more to move.
    expect(
      await migrateSeenRecords(state, server, await server.list(SEEN_NAMESPACE))
    ).toBe(0);
  });

  it('with nothing to move, asks only whether the route is there, listing no record', async () => {
    const route = fakeRoute();
    route.records.set(recordId(PATH, 'browser-b'), record('browser-b', 50));
    const server = new SeenServerDB(route.settings);
    const backing = await chooseSeenBacking({
      server,
      state: new StateDB(),
      log: silent
    });
    expect(backing.where).toBe('server');
    const lists = route.requests.filter(r => r.method === 'GET');
    expect(lists.map(r => r.url.searchParams.get('prefix'))).toEqual([
      `${SEEN_NAMESPACE}::`
    ]);
    expect(await server.listPrefix(`${SEEN_NAMESPACE}::`)).toEqual({
      ids: [],
      values: []
    });
  });

  it('keeps a record in the state database when the server refuses it', async () => {
    const { settings } = fakeRoute();
    const server = new SeenServerDB(settings);
    jest
      .spyOn(server, 'save')
      .mockRejectedValueOnce(new SeenRouteError(413, 'too large'));
    const state = new StateDB();
    const a = recordId(PATH, 'browser-a');
    await state.save(a, record('browser-a', 10));
    const log = { warn: jest.fn() };
    expect(
      await migrateSeenRecords(state, server, { ids: [], values: [] }, log)
    ).toBe(0);
    expect((await state.list(SEEN_NAMESPACE)).ids).toEqual([a]);
    expect(log.warn).toHaveBeenCalled();
  });

  it('falls back to the state database, quietly, on a server without the route', async () => {
    const state = new StateDB();
    const remote = jest.fn();
    const log = { debug: jest.fn(), warn: jest.fn() };
    const backing = await chooseSeenBacking({
      server: new SeenServerDB(fakeRoute({ missing: true }).settings),
      state,
      remote,
      log
    });
    expect(backing).toEqual({ where: 'state', db: state, remote });
    expect(log.warn).not.toHaveBeenCalled();
    expect(log.debug).toHaveBeenCalled();
  });

  it('falls back with a console warning when the server cannot be reached, and to nothing without a state database', async () => {
    const log = { debug: jest.fn(), warn: jest.fn() };
    const down = new SeenServerDB(
      fakeRoute({ fail: new TypeError('Failed to fetch') }).settings
    );
    const backing = await chooseSeenBacking({ server: down, state: null, log });
    expect(backing).toEqual({ where: 'none', db: NO_SEEN_DB });
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('lets the store wait for the choice, and pull the workspace only in the state database', async () => {
    let choose: (backing: any) => void = () => undefined;
    const chosen = new Promise<any>(resolve => (choose = resolve));
    const { db, remote } = deferredBacking(chosen);
    const saving = db.save('x', { a: 1 });
    const state = new StateDB();
    const workspace = jest.fn(async () => ({ some: 'data' }));
    choose({ where: 'state', db: state, remote: workspace });
    await saving;
    expect(await state.fetch('x')).toEqual({ a: 1 });
    expect(await remote!()).toEqual({ some: 'data' });
    const onServer = deferredBacking(
      Promise.resolve({ where: 'server' as const, db: NO_SEEN_DB })
    );
    expect(await onServer.remote!()).toBeUndefined();
  });
});

describe('two open browsers on the route', () => {
  it('never erase each other: each writes only its own record on the server', async () => {
    const route = fakeRoute();
    const nb = notebookWithCells(['a', 'b']);
    markRunning(nb, 'b');
    let t = 100;
    const open = async (browser: string) => {
      const backing = chooseSeenBacking({
        server: new SeenServerDB(route.settings),
        state: new StateDB(),
        log: silent
      });
      return new SeenStore({
        ...deferredBacking(backing),
        local: null,
        browser,
        now: () => t
      });
    };
    // A and B both open on the notebook. A writes first; B then sees "b"
    // running and writes; A, which never read anything since, writes again.
    const a = await open('browser-a');
    const b = await open('browser-b');
    await a.write(PATH, takeSnapshot(nb.cells, { now: t }));
    t = 200;
    finish(nb, 'a', 1);
    await b.write(PATH, takeSnapshot(nb.cells, { now: t }));
    t = 300;
    await a.write(PATH, takeSnapshot(nb.cells, { now: t }));
    expect([...route.records.keys()].sort()).toEqual(
      [recordId(PATH, 'browser-a'), recordId(PATH, 'browser-b')].sort()
    );
    // "b" finishes with no tab watching; a new browser C learns it.
    finish(nb, 'b', 2);
    const c = await open('browser-c');
    const diff = diffSinceSnapshot((await c.read(PATH))!, nb.cells);
    expect(diff.finished).toEqual(['b']);
    expect(awayMessage(diff, english)).toBe('1 cell finished since you left');
  });

  it("lists that notebook's records only on its first write (the bounds check), never every record", async () => {
    const route = fakeRoute();
    const store = new SeenStore({
      db: new SeenServerDB(route.settings),
      local: null,
      browser: 'browser-a',
      now: () => 1
    });
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    await store.write(PATH, takeSnapshot(nb.cells, { now: 1 }));
    finish(nb, 'a', 1);
    await store.write(PATH, takeSnapshot(nb.cells, { now: 2 }));
    const lists = route.requests.filter(
      r => r.method === 'GET' && r.url.pathname === ROUTE
    );
    const puts = route.requests.filter(r => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(lists.map(r => r.url.searchParams.get('prefix'))).toEqual([
      `${SEEN_NAMESPACE}:${encodeURIComponent(PATH)}:`
    ]);
  });

  it('on the route, still keeps at most maxBrowsers records of a notebook, and leaves the bound in all to the server', async () => {
    const route = fakeRoute();
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    const write = (browser: string, path: string, now: number) =>
      new SeenStore({
        db: new SeenServerDB(route.settings),
        local: null,
        browser,
        now: () => now,
        maxBrowsers: 2,
        maxRecords: 2
      }).write(path, takeSnapshot(nb.cells, { now }));
    await write('browser-a', PATH, 1);
    await write('browser-b', PATH, 2);
    await write('browser-c', 'work/other.ipynb', 3);
    await write('browser-c', PATH, 4);
    // The oldest browser of PATH went; other.ipynb, a third record in all,
    // is the server's to bound (c.HandoffSeen.max_records).
    expect([...route.records.keys()].sort()).toEqual(
      [
        recordId(PATH, 'browser-b'),
        recordId(PATH, 'browser-c'),
        recordId('work/other.ipynb', 'browser-c')
      ].sort()
    );
  });

  it("reads a notebook by asking for that notebook's records only", async () => {
    const route = fakeRoute();
    const other = 'work/other.ipynb';
    const nb = notebookWithCells(['a']);
    markRunning(nb, 'a');
    for (const [browser, path] of [
      ['browser-b', PATH],
      ['browser-b', other],
      ['browser-c', other]
    ]) {
      await new SeenStore({
        db: new SeenServerDB(route.settings),
        local: null,
        browser
      }).write(path, takeSnapshot(nb.cells, { now: 1 }));
    }
    const backing = chooseSeenBacking({
      server: new SeenServerDB(route.settings),
      state: new StateDB(),
      log: silent
    });
    const store = new SeenStore({
      ...deferredBacking(backing),
      local: null,
      browser: 'browser-a'
    });
    await backing;
    route.requests.length = 0;
    finish(nb, 'a', 1);
    const diff = diffSinceSnapshot((await store.read(PATH))!, nb.cells);
    expect(diff.finished).toEqual(['a']);
    const lists = route.requests.filter(
      r => r.method === 'GET' && r.url.pathname === ROUTE
    );
    expect(lists.map(r => r.url.searchParams.get('prefix'))).toEqual([
      `${SEEN_NAMESPACE}:${encodeURIComponent(PATH)}:`
    ]);
    // The prefix of "a" is no prefix of "a b" (the id ends the path with ':').
    expect(await store.read('work/a')).toBeNull();
  });
});
