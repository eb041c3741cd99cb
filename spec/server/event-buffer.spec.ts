import { expect } from 'chai';
import { EventBuffer } from '../../lib/server/event-buffer.js';

/** An encoded event body as fan-out builds it: JSON without `seq`. */
const body = (n: number) => JSON.stringify({ t: 'member', channel: 'c', uid: `u${n}`, joined: true, count: n });
/** The frame the buffer makes of `body(n)` numbered `seq`. */
const framed = (n: number, seq: number) =>
  `{"t":"member","channel":"c","uid":"u${n}","joined":true,"count":${n},"seq":${seq}}`;
/** Adds bodies 1..n and returns the frames the buffer made. */
const fill = (buffer: EventBuffer, n: number) => Array.from({ length: n }, (_, i) => buffer.add(body(i + 1)));
/** The seqs of replayed frames. */
const seqs = (frames: readonly string[] | undefined) =>
  frames?.map((text) => (JSON.parse(text) as { seq: number }).seq);

describe('EventBuffer', () => {
  describe('numbering', () => {
    it('numbers events from 1 and splices "seq" into the JSON body, keeping every other field', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      expect(buffer.size).to.equal(0);
      const first = buffer.add(body(1));
      expect(first).to.equal(framed(1, 1));
      expect(JSON.parse(first)).to.deep.equal({ t: 'member', channel: 'c', uid: 'u1', joined: true, count: 1, seq: 1 });
      expect(buffer.add(body(2))).to.equal(framed(2, 2));
      const status = buffer.add(JSON.stringify({ t: 'status', statuses: { a: 'ONLINE', b: 'OFFLINE' } }));
      expect(JSON.parse(status)).to.deep.equal({ t: 'status', statuses: { a: 'ONLINE', b: 'OFFLINE' }, seq: 3 });
      expect(buffer.size).to.equal(3);
    });

    it('numbering goes on across acks, replays and overflows (never reused, never reset)', () => {
      const buffer = new EventBuffer(2, 1_000_000);
      fill(buffer, 2);
      buffer.ack(2);
      expect(buffer.add(body(3))).to.equal(framed(3, 3));
      buffer.since(3);
      expect(buffer.add(body(4))).to.equal(framed(4, 4));
      fill(buffer, 2); // seqs 5, 6: the 3rd held → overflow
      expect(buffer.size).to.equal(0);
      expect(buffer.add(body(7))).to.equal(framed(7, 7));
    });
  });

  describe('since()', () => {
    it('replays exactly the events after the given seq, in order, as the frames first sent', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      const sent = fill(buffer, 5);
      expect(buffer.since(0)).to.deep.equal(sent);
      expect(buffer.since(0)).to.deep.equal(sent); // replaying does not consume
      expect(buffer.since(2)).to.deep.equal(sent.slice(2));
      expect(seqs(buffer.since(2))).to.deep.equal([3, 4, 5]);
      expect(buffer.since(4)).to.deep.equal([sent[4]]);
      expect(buffer.since(5)).to.deep.equal([]);
    });

    it('since(seq) acknowledges seq: what the client said it saw is forgotten', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      fill(buffer, 5);
      buffer.since(3);
      expect(buffer.size).to.equal(2);
      expect(seqs(buffer.since(3))).to.deep.equal([4, 5]);
    });

    it('a seq in the future (never sent) → undefined; what is held is dropped (the client reconciles instead)', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      expect(buffer.since(1)).to.equal(undefined);
      expect(buffer.since(0)).to.deep.equal([]);
      fill(buffer, 3);
      expect(buffer.since(4)).to.equal(undefined);
      expect(buffer.size).to.equal(0);
      fill(buffer, 1);
      expect(seqs(buffer.since(3))).to.deep.equal([4]);
    });
  });

  describe('ack()', () => {
    it('drops the events up to the acknowledged seq and keeps the later ones', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      const sent = fill(buffer, 5);
      buffer.ack(0);
      expect(buffer.size).to.equal(5);
      buffer.ack(3);
      expect(buffer.size).to.equal(2);
      expect(buffer.since(3)).to.deep.equal(sent.slice(3));
      buffer.ack(2); // an older ack changes nothing
      expect(buffer.size).to.equal(2);
      buffer.ack(5);
      expect(buffer.size).to.equal(0);
      expect(buffer.since(5)).to.deep.equal([]);
    });

    it('an ack past the last seq drops everything, and the next event is still numbered in order and held', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      fill(buffer, 3);
      buffer.ack(99);
      expect(buffer.size).to.equal(0);
      expect(buffer.since(3)).to.deep.equal([]);
      expect(buffer.add(body(4))).to.equal(framed(4, 4));
      expect(seqs(buffer.since(3))).to.deep.equal([4]);
    });

    it('after ack(N), since(M < N) → undefined: events between M and N are gone, so no replay can be complete', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      fill(buffer, 5);
      buffer.ack(3);
      expect(seqs(buffer.since(4))).to.deep.equal([5]);
      // since() acknowledges too: after since(4), since(3) cannot replay 4 any more.
      expect(buffer.since(3)).to.equal(undefined);
      expect(buffer.size, 'a gap drops what is held').to.equal(0);
      const again = new EventBuffer(100, 1_000_000);
      fill(again, 5);
      again.ack(3);
      expect(again.since(2)).to.equal(undefined);
      fill(again, 5);
      again.ack(7);
      expect(again.since(0)).to.equal(undefined);
    });

    it('frees room: acknowledged events no longer count against maxEvents or maxBytes', () => {
      const byCount = new EventBuffer(2, 1_000_000);
      fill(byCount, 2);
      byCount.ack(1);
      byCount.add(body(3));
      expect(byCount.size).to.equal(2);
      expect(seqs(byCount.since(1))).to.deep.equal([2, 3]);

      const one = framed(1, 1).length; // every frame of fill(…, ≤ 9) has this length
      const byBytes = new EventBuffer(100, 2 * one);
      fill(byBytes, 2);
      byBytes.ack(1);
      byBytes.add(body(3));
      expect(byBytes.size).to.equal(2);
      expect(seqs(byBytes.since(1))).to.deep.equal([2, 3]);
    });
  });

  describe('overflow', () => {
    it('by count: maxEvents are kept; one more drops them all: older seqs → undefined while later ones replay', () => {
      const buffer = new EventBuffer(3, 1_000_000);
      const sent = fill(buffer, 3);
      expect(buffer.size).to.equal(3);
      expect(buffer.since(0)).to.deep.equal(sent);
      const fourth = buffer.add(body(4));
      expect(fourth).to.equal(framed(4, 4)); // still numbered and returned for sending
      expect(buffer.size).to.equal(0);
      for (const seq of [0, 1, 2, 3]) expect(buffer.since(seq), `since(${seq})`).to.equal(undefined);
      // A client that saw the 4th (it was sent live) has missed nothing.
      expect(buffer.since(4)).to.deep.equal([]);
      const fifth = buffer.add(body(5));
      const sixth = buffer.add(body(6));
      expect(buffer.since(4)).to.deep.equal([fifth, sixth]);
      expect(buffer.since(5)).to.deep.equal([sixth]);
      expect(buffer.since(3)).to.equal(undefined);
      expect(buffer.since(7)).to.equal(undefined);
    });

    it('by bytes: up to maxBytes of frames are kept; one byte more drops them all', () => {
      const one = framed(1, 1).length;
      const exact = new EventBuffer(100, 3 * one);
      fill(exact, 3);
      expect(exact.size).to.equal(3);
      expect(seqs(exact.since(0))).to.deep.equal([1, 2, 3]);

      const buffer = new EventBuffer(100, 3 * one - 1);
      fill(buffer, 2);
      expect(buffer.size).to.equal(2);
      buffer.add(body(3));
      expect(buffer.size).to.equal(0);
      for (const seq of [0, 1, 2]) expect(buffer.since(seq), `since(${seq})`).to.equal(undefined);
      expect(buffer.since(3)).to.deep.equal([]);
      buffer.add(body(4));
      expect(seqs(buffer.since(3))).to.deep.equal([4]);
    });

    it('one event larger than maxBytes is lost at once, and only seqs from it on replay', () => {
      const buffer = new EventBuffer(100, 50);
      const big = buffer.add(JSON.stringify({ t: 'status', statuses: { ['x'.repeat(60)]: 'ONLINE' } }));
      expect(JSON.parse(big)).to.deep.equal({ t: 'status', statuses: { ['x'.repeat(60)]: 'ONLINE' }, seq: 1 });
      expect(buffer.size).to.equal(0);
      expect(buffer.since(0)).to.equal(undefined);
      expect(buffer.since(1)).to.deep.equal([]);
    });

    it('a second overflow moves the loss point on', () => {
      const buffer = new EventBuffer(2, 1_000_000);
      fill(buffer, 3); // lost up to 3
      expect(buffer.since(3)).to.deep.equal([]);
      fill(buffer, 3); // 4, 5 held; 6 overflows: lost up to 6
      expect(buffer.since(3)).to.equal(undefined);
      expect(buffer.since(5)).to.equal(undefined);
      expect(buffer.since(6)).to.deep.equal([]);
    });
  });
});
