import { expect } from 'chai';
import { rateWindow } from '../../lib/client/rate-window.js';

describe('rateWindow', () => {
  it('takes `limit` calls in any window, refuses the next TOO_OFTEN, and frees each call windowMs after it', () => {
    // A refused call is not counted.
    let now = 0;
    const count = rateWindow({ limit: 2, windowMs: 1000 }, 'calls', () => now);
    const at = (time: number) => {
      now = time;
      return count()?.code ?? 'ok';
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

  it('says which limit refused the call', () => {
    const count = rateWindow({ limit: 1, windowMs: 1000 }, 'calls', () => 0);
    expect(count()).to.equal(undefined);
    expect(count()).to.deep.include({ code: 'TOO_OFTEN', message: 'more than 1 calls in 1000 ms' });
  });
});
