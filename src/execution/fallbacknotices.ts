/**
 * Says once per cause and per notebook why cells run in the tab.
 */
import type { ClientPathReason } from './executionpath';

/**
 * Remembers which causes were already reported for which notebook.
 */
export class FallbackNotices<K extends object> {
  constructor(
    private readonly _notify: (key: K, reason: ClientPathReason) => void
  ) {}

  /**
   * Report `reason` for `key` unless it was reported before.
   *
   * @returns whether the user was told now.
   */
  report(key: K, reason: ClientPathReason): boolean {
    let reported = this._reported.get(key);
    if (!reported) {
      reported = new Set();
      this._reported.set(key, reported);
    }
    if (reported.has(reason)) {
      return false;
    }
    reported.add(reason);
    this._notify(key, reason);
    return true;
  }

  /**
   * Forget what was reported for `key`, e.g. after the user turned the
   * feature back on.
   */
  reset(key?: K): void {
    if (key) {
      this._reported.delete(key);
    } else {
      this._reported = new WeakMap();
    }
  }

  private _reported = new WeakMap<K, Set<ClientPathReason>>();
}
