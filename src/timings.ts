/**
 * Every delay and interval of the extension, in milliseconds, with why.
 *
 * Tests pass shorter values through each module's options; nothing else
 * hard-codes a delay.
 */
export const Timings = Object.freeze({
  /**
   * How long the executor waits for a freshly opened notebook's shared
   * document id before it runs the cell in the tab. The first sync of a
   * large notebook over a slow link takes a few seconds; later cells of the
   * same notebook only look, without waiting.
   */
  documentId: 5000,

  /**
   * How long a cell run before the notebook's session has its kernel (the
   * session is still starting, or a kernel change is still being patched)
   * waits for that kernel before JupyterLab's own "no kernel" handling. A
   * session start behind a loaded hub took a few seconds in our tests.
   */
  kernelPending: 10000,

  /**
   * Once the backend says a run is over, how long the cell may take to show
   * that end in the document (idle with a count) before the tab compares it
   * with the final result or reads the result from the document alone. The
   * document and the result travel on different connections; under load the
   * document lagged by up to about a second in our tests.
   */
  documentGrace: 5000,

  /**
   * After a run was cut short, how long its tab writes the message (and the
   * outputs it showed) again if the cell loses them: a restarted server
   * hands every tab a document reloaded from disk when it is back, which can
   * be a while after the tab learnt that the run is gone (the server was
   * unreachable). Ends early when the cell runs again.
   */
  cutShortKeep: 120000,

  /**
   * While a notebook open here has two kernels, how often the session list
   * is read (JupyterLab reads it every 10 s), so that once any tab put
   * every session on one kernel, this tab follows within about 2 s.
   */
  duplicateRefresh: 2000,

  /**
   * The first and then growing pauses while the backend still lists as
   * running a run the document already shows as over (the document is ahead
   * of the server's bookkeeping by a moment): 50, 100, 150 ... ms.
   */
  settleStep: 50,
  /** How many of those pauses before leaving it to the poller. */
  settleAttempts: 20,

  /**
   * While one of this tab's runs is running, how often its own status is
   * read to learn of a stdin prompt: listings do not report prompts.
   * 3 s: a prompt is noticed soon enough, at one request per run.
   */
  inputProbe: 3000,

  /**
   * Every tab looks for the stdin prompt of each run the document shows
   * running (`src/stdin/prompts.ts`): 0.5 s after a run starts or a prompt
   * changes, growing by half while nothing changes up to 3 s, so a prompt
   * shows within about 3 s in every tab, at one small request per kernel
   * per 3 s while a cell runs, and none while none does.
   */
  inputMin: 500,
  inputMax: 3000,

  /**
   * The poller of a kernel's listing: 1 s after something changed (a Run All
   * of short cells changes every second), growing while nothing changes up
   * to 5 s, so an idle notebook costs one request per 5 s per kernel while
   * it has runs in flight, and none when it has none.
   */
  listingMin: 1000,
  listingMax: 5000,

  /**
   * A listing only proves that a cell the document marks running is not on
   * the server if it was read at least this long after the cell started: the
   * listing may have been requested before the submitting tab's POST
   * arrived. 1 s covers a POST on a loaded 2-core machine.
   */
  staleGrace: 1000,

  /**
   * Choosing the backend: after a network error, ask again after 1 s, then
   * backing off to 30 s (a server that is restarting answers within a few).
   */
  probeRetry: 1000,
  probeRetryMax: 30000,

  /**
   * The listing the probe read while choosing the backend serves as the
   * kernel's first listing if asked for within 500 ms (the notebook that
   * made the probe asks at once). Well under `staleGrace`, so a cell that
   * started after the probe's read is never judged by it.
   */
  probeListingReuse: 500,

  /**
   * "While you were away": save what this tab saw 300 ms after the last
   * change (a flood of outputs is saved a few times a second, not per
   * update), and after a reconnect let the document catch up for 1.5 s
   * before comparing (updates missed while offline arrive in a burst).
   */
  awaySave: 300,
  awayReconnectSettle: 1500,

  /**
   * The longest a newly opened notebook's badges and "while you were away"
   * wait for its cells to render (`views/rendered.ts`): JupyterLab's own
   * idle rendering forces a chunk after 3 s, and in its `full` windowing
   * mode a cell out of view renders only when scrolled to.
   */
  cellsRendered: 3000,

  /** The elapsed times in the list tick once a second (they show m:ss). */
  listClock: 1000,

  /**
   * Render coalescing: if no animation frame comes (a hidden tab), render
   * after 500 ms anyway, so the DOM catches up (browsers throttle timers in
   * hidden tabs to about 1 s).
   */
  frameFallback: 500,

  /**
   * How long notifications stay: a passing fallback 10 s, "while you were
   * away" 15 s (it has a Show button to reach), a command's result 5 s.
   */
  noticeFallback: 10000,
  noticeAway: 15000,
  noticeCommand: 5000
});
