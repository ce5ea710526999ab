import { FallbackNotices } from '../execution/fallbacknotices';

describe('FallbackNotices', () => {
  it('reports each cause once per key', () => {
    const notify = jest.fn();
    const notices = new FallbackNotices<object>(notify);
    const a = {};
    const b = {};

    expect(notices.report(a, 'no-backend')).toBe(true);
    expect(notices.report(a, 'no-backend')).toBe(false);
    expect(notices.report(a, 'no-backend')).toBe(false);
    // Another cause for the same key is new.
    expect(notices.report(a, 'no-document-id')).toBe(true);
    // The same cause for another key is new.
    expect(notices.report(b, 'no-backend')).toBe(true);
    expect(notices.report(b, 'no-backend')).toBe(false);

    expect(notify.mock.calls).toEqual([
      [a, 'no-backend'],
      [a, 'no-document-id'],
      [b, 'no-backend']
    ]);
  });

  it('reports again for a key after reset(key), and only for that key', () => {
    const notify = jest.fn();
    const notices = new FallbackNotices<object>(notify);
    const a = {};
    const b = {};
    notices.report(a, 'disabled');
    notices.report(b, 'disabled');
    notify.mockClear();

    notices.reset(a);
    expect(notices.report(a, 'disabled')).toBe(true);
    expect(notices.report(b, 'disabled')).toBe(false);
    expect(notify.mock.calls).toEqual([[a, 'disabled']]);
  });

  it('reports again for every key after reset()', () => {
    const notify = jest.fn();
    const notices = new FallbackNotices<object>(notify);
    const a = {};
    const b = {};
    notices.report(a, 'not-collaborative');
    notices.report(b, 'no-backend');
    notify.mockClear();

    notices.reset();
    expect(notices.report(a, 'not-collaborative')).toBe(true);
    expect(notices.report(b, 'no-backend')).toBe(true);
    expect(notify).toHaveBeenCalledTimes(2);
  });
});
