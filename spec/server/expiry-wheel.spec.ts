import { expect } from 'chai';
import { ExpiryWheel } from '../../lib/server/expiry-wheel.js';

interface Item {
  readonly name: string;
  due: number;
}

const TICK = 100;

/** A wheel over plain items whose deadline is their `due`, recording every firing. */
function wheelOf(start = 0, keep: (item: Item, now: number) => boolean = () => false) {
  const fired: { name: string; now: number }[] = [];
  const wheel = new ExpiryWheel<Item>(
    TICK,
    (item) => item.due,
    (item, now) => {
      fired.push({ name: item.name, now });
      return keep(item, now);
    },
    start,
  );
  return { wheel, fired };
}

describe('ExpiryWheel', () => {
  it('fires an item once at its deadline: not a millisecond before, and at the first advance at or after it', () => {
    const { wheel, fired } = wheelOf();
    const item = { name: 'a', due: 1234 };
    wheel.schedule(item);
    for (let now = 0; now < 1234; now += 7) wheel.advance(now);
    wheel.advance(1233);
    expect(fired).to.deep.equal([]);
    expect(wheel.has(item)).to.equal(true);
    wheel.advance(1234);
    expect(fired).to.deep.equal([{ name: 'a', now: 1234 }]);
    expect(wheel.has(item)).to.equal(false);
    for (let now = 1234; now < 5000; now += 50) wheel.advance(now);
    expect(fired).to.have.length(1);
  });

  it('driven once per tick, fires within one tick after the deadline', () => {
    for (const due of [1000, 1001, 1050, 1099, 1100]) {
      const { wheel, fired } = wheelOf();
      wheel.schedule({ name: String(due), due });
      let now = 0;
      while (fired.length === 0) wheel.advance((now += TICK));
      expect(fired[0].now, `due ${due}`).to.be.at.least(due);
      expect(fired[0].now - due, `due ${due}`).to.be.below(TICK);
      expect(fired, `due ${due}`).to.have.length(1);
    }
  });

  it('an item filed with a deadline already past fires at the next advance', () => {
    const { wheel, fired } = wheelOf(5000);
    wheel.advance(5000);
    wheel.schedule({ name: 'late', due: 100 });
    expect(fired).to.deep.equal([]);
    wheel.advance(5001);
    expect(fired).to.deep.equal([{ name: 'late', now: 5001 }]);
  });

  it('a deadline moved forward without schedule is re-filed lazily and fires at the new deadline only', () => {
    const { wheel, fired } = wheelOf();
    const item = { name: 'a', due: 500 };
    wheel.schedule(item);
    item.due = 1500; // a heartbeat: the owner only updates the item
    for (let now = 0; now <= 1499; now += 10) wheel.advance(now);
    wheel.advance(1499);
    expect(fired).to.deep.equal([]);
    expect(wheel.has(item)).to.equal(true);
    expect(wheel.size).to.equal(1);
    item.due = 2750; // moved again, after it was re-filed once
    wheel.advance(2749);
    expect(fired).to.deep.equal([]);
    wheel.advance(2750);
    expect(fired).to.deep.equal([{ name: 'a', now: 2750 }]);
    expect(wheel.size).to.equal(0);
  });

  it('a deadline moved within the same tick is honoured to the millisecond', () => {
    const { wheel, fired } = wheelOf();
    const item = { name: 'a', due: 1010 };
    wheel.schedule(item);
    wheel.advance(1005);
    item.due = 1090;
    wheel.advance(1089);
    expect(fired).to.deep.equal([]);
    wheel.advance(1090);
    expect(fired).to.deep.equal([{ name: 'a', now: 1090 }]);
  });

  it('schedule moves an item (deadline brought forward) and it fires once, at the new deadline', () => {
    const { wheel, fired } = wheelOf();
    const item = { name: 'a', due: 5000 };
    wheel.schedule(item);
    item.due = 300;
    wheel.schedule(item);
    expect(wheel.size).to.equal(1);
    wheel.advance(299);
    expect(fired).to.deep.equal([]);
    wheel.advance(300);
    expect(fired).to.deep.equal([{ name: 'a', now: 300 }]);
    wheel.advance(6000);
    expect(fired).to.have.length(1);
  });

  it('delete prevents firing; deleting twice or deleting an unknown item is harmless', () => {
    const { wheel, fired } = wheelOf();
    const a = { name: 'a', due: 300 };
    const b = { name: 'b', due: 350 };
    wheel.schedule(a);
    wheel.schedule(b);
    wheel.delete(a);
    wheel.delete(a);
    wheel.delete({ name: 'never', due: 1 });
    expect(wheel.has(a)).to.equal(false);
    expect(wheel.size).to.equal(1);
    wheel.advance(10_000);
    expect(fired).to.deep.equal([{ name: 'b', now: 10_000 }]);
  });

  it('onDue returning true keeps the item, which fires again at its moved deadline', () => {
    const { wheel, fired } = wheelOf(0, (item, now) => {
      if (now >= 3000) return false;
      item.due = now + 1000;
      return true;
    });
    const item = { name: 'a', due: 1000 };
    wheel.schedule(item);
    for (let now = 0; now <= 5000; now += 50) wheel.advance(now);
    expect(fired).to.deep.equal([
      { name: 'a', now: 1000 },
      { name: 'a', now: 2000 },
      { name: 'a', now: 3000 },
    ]);
    expect(wheel.has(item)).to.equal(false);
    expect(wheel.size).to.equal(0);
  });

  it('an item kept with a deadline still in the past after a long gap fires again, and is not lost', () => {
    // The kept item's new deadline (1050) is behind `now` and within the
    // same tick as the old one: it must not be filed in a bucket the
    // advance has already passed.
    const { wheel, fired } = wheelOf(0, (item) => {
      if (item.due >= 1100) return false;
      item.due += 50;
      return true;
    });
    const item = { name: 'a', due: 1000 };
    wheel.schedule(item);
    wheel.advance(5000);
    wheel.advance(5100);
    expect(fired.map((f) => f.now)).to.deep.equal([5000, 5000, 5000]);
    expect(item.due).to.equal(1100);
    expect(wheel.has(item)).to.equal(false);
    expect(wheel.size).to.equal(0);
  });

  it('onDue may delete another item of the same bucket: it neither fires nor breaks the wheel', () => {
    const a = { name: 'a', due: 510 };
    const b = { name: 'b', due: 520 };
    const c = { name: 'c', due: 530 };
    const fired: string[] = [];
    const wheel: ExpiryWheel<Item> = new ExpiryWheel<Item>(
      TICK,
      (item) => item.due,
      (item) => {
        fired.push(item.name);
        if (item === a) wheel.delete(b);
        return false;
      },
      0,
    );
    wheel.schedule(a);
    wheel.schedule(b);
    wheel.schedule(c);
    expect(() => wheel.advance(600)).not.to.throw();
    expect(fired).to.deep.equal(['a', 'c']);
    expect(wheel.size).to.equal(0);
    wheel.advance(2000);
    expect(fired).to.deep.equal(['a', 'c']);
  });

  it('onDue may re-file another item of the same bucket further out: it fires then, once', () => {
    const a = { name: 'a', due: 510 };
    const b = { name: 'b', due: 520 };
    const fired: { name: string; now: number }[] = [];
    const wheel: ExpiryWheel<Item> = new ExpiryWheel<Item>(
      TICK,
      (item) => item.due,
      (item, now) => {
        fired.push({ name: item.name, now });
        if (item === a) {
          b.due = 900;
          wheel.schedule(b);
        }
        return false;
      },
      0,
    );
    wheel.schedule(a);
    wheel.schedule(b);
    wheel.advance(600);
    expect(fired).to.deep.equal([{ name: 'a', now: 600 }]);
    expect(wheel.has(b)).to.equal(true);
    wheel.advance(899);
    expect(fired).to.have.length(1);
    wheel.advance(900);
    expect(fired).to.deep.equal([
      { name: 'a', now: 600 },
      { name: 'b', now: 900 },
    ]);
    expect(wheel.size).to.equal(0);
  });

  it('10 000 items with spread deadlines each fire exactly once, in deadline order to the tick, never early', () => {
    const { wheel, fired } = wheelOf();
    const items: Item[] = [];
    // A fixed permutation of deadlines 1..100 000 (step 10), filed in a scrambled order.
    for (let i = 0; i < 10_000; i++) items.push({ name: String(i), due: 1 + ((i * 7919) % 10_000) * 10 });
    for (const item of items) wheel.schedule(item);
    expect(wheel.size).to.equal(10_000);
    for (let now = 0; now <= 100_100; now += TICK) wheel.advance(now);

    expect(fired).to.have.length(10_000);
    expect(new Set(fired.map((f) => f.name)).size).to.equal(10_000);
    expect(wheel.size).to.equal(0);
    const dueOf = new Map(items.map((item) => [item.name, item.due]));
    let previousTick = -1;
    for (const { name, now } of fired) {
      const due = dueOf.get(name)!;
      expect(now).to.be.at.least(due);
      expect(now - due).to.be.below(TICK);
      const tick = Math.floor(due / TICK);
      expect(tick).to.be.at.least(previousTick);
      previousTick = tick;
    }
  });

  it('10 000 items driven every millisecond fire in exact deadline order', () => {
    const { wheel, fired } = wheelOf();
    const items: Item[] = [];
    for (let i = 0; i < 10_000; i++) items.push({ name: String(i), due: 1 + ((i * 7919) % 10_000) });
    for (const item of items) wheel.schedule(item);
    for (let now = 0; now <= 10_001; now++) wheel.advance(now);
    expect(fired).to.have.length(10_000);
    const dueOf = new Map(items.map((item) => [item.name, item.due]));
    expect(fired.map((f) => dueOf.get(f.name))).to.deep.equal(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(fired.every((f) => f.now === dueOf.get(f.name))).to.equal(true);
  });

  it('one advance over a long gap (a million empty ticks) fires what is due, and keeps what is not', () => {
    const { wheel, fired } = wheelOf();
    const early = { name: 'early', due: 250 };
    const middle = { name: 'middle', due: 50_000_000 };
    const late = { name: 'late', due: 100_000_050 };
    wheel.schedule(late);
    wheel.schedule(middle);
    wheel.schedule(early);
    wheel.advance(100_000_000);
    expect(fired).to.deep.equal([
      { name: 'early', now: 100_000_000 },
      { name: 'middle', now: 100_000_000 },
    ]);
    expect(wheel.size).to.equal(1);
    expect(wheel.has(late)).to.equal(true);
    wheel.advance(100_000_049);
    expect(fired).to.have.length(2);
    wheel.advance(100_000_050);
    expect(fired[2]).to.deep.equal({ name: 'late', now: 100_000_050 });
    // The wheel still works after the gap.
    const after = { name: 'after', due: 100_000_500 };
    wheel.schedule(after);
    wheel.advance(100_000_499);
    expect(fired).to.have.length(3);
    wheel.advance(100_000_500);
    expect(fired[3]).to.deep.equal({ name: 'after', now: 100_000_500 });
  });

  it('size and has follow schedule, re-schedule, delete and firing', () => {
    const { wheel } = wheelOf(1_000);
    const a = { name: 'a', due: 2_000 };
    const b = { name: 'b', due: 3_000 };
    expect(wheel.size).to.equal(0);
    expect(wheel.has(a)).to.equal(false);
    wheel.schedule(a);
    wheel.schedule(a);
    expect(wheel.size).to.equal(1);
    wheel.schedule(b);
    expect(wheel.size).to.equal(2);
    expect(wheel.has(a) && wheel.has(b)).to.equal(true);
    wheel.delete(b);
    expect(wheel.size).to.equal(1);
    expect(wheel.has(b)).to.equal(false);
    a.due = 2_500; // moved lazily: still counted while it waits
    wheel.advance(2_000);
    expect(wheel.size).to.equal(1);
    expect(wheel.has(a)).to.equal(true);
    wheel.advance(2_500);
    expect(wheel.size).to.equal(0);
    expect(wheel.has(a)).to.equal(false);
  });
});
