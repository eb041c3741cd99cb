import { expect } from 'chai';
import { RateWindow } from '../../lib/client/rate-window.js';

describe('RateWindow', () => {
  it('takes `limit` calls in any window, refuses the next TOO_OFTEN, and frees each call windowMs after it', () => {
    // A refused call is not counted.
    let now = 0;
    const window = new RateWindow({ limit: 2, windowMs: 1000 }, 'calls', () => now);
    const at = (time: number) => {
      now = time;
      return window.take()?.code ?? 'ok';
    };
    expect([at(0), at(400), at(999), at(999), at(1000), at(1300), at(1400)]).to.deep.equal([
      'ok',
      'ok',
      'TOO_OFTEN',
      'TOO_OFTEN',
      'ok',
      'TOO_OFTEN',
      'ok',
    ]);
  });
});
