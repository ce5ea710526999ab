/**
 * Reading a notebook file that a running server may be saving.
 */
import * as fs from 'fs';

/**
 * The notebook JSON at `file`.
 *
 * jupyter-server writes a notebook in place (its "atomic" writing keeps a
 * backup copy; it does not rename a finished file into place), so a read can
 * land in the middle of a save: read again until the JSON is whole.
 */
export function readSavedNotebook(file: string): any {
  for (let attempt = 0; ; attempt++) {
    const text = fs.readFileSync(file, 'utf-8');
    try {
      return JSON.parse(text);
    } catch (error) {
      if (attempt >= 50) {
        throw error;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}
