import { expect } from 'chai';
import { EventBuffer, type Replay } from '../../lib/server/event-buffer.js';

/** An encoded event body as fan-out builds it: JSON without `seq`. */
const body = (n: number) => JSON.stringify({ t: 'member', channel: 'c', uid: `u${n}`, joined: true, count: n });
/** The frame the buffer makes of `body(n)` numbered `seq`. */
const framed = (n: number, seq: number) =>
  `{"t":"member","channel":"c","uid":"u${n}","joined":true,"count":${n},"seq":${seq}}`;
/** A peer message's body, as the registry builds it. */
const message = (n: number) => JSON.stringify({ t: 'peerMessage', from: 'bob', type: 'TEXT', data: `m${n}`, ts: n });
/** The frame the buffer makes of `message(n)` numbered `seq`. */
const framedMessage = (n: number, seq: number) =>
  `{"t":"peerMessage","from":"bob","type":"TEXT","data":"m${n}","ts":${n},"seq":${seq}}`;
/** Adds bodies 1..n and returns the frames the buffer made. */
const fill = (buffer: EventBuffer, n: number) => Array.from({ length: n }, (_, i) => buffer.add(body(i + 1))!);
/** A replay with nothing lost. */
const whole = (events: readonly string[]): Replay => ({ gap: false, events });
/** A replay after lost events: the client reconciles, and gets the events that came after the loss. */
const gap = (events: readonly string[] = []): Replay => ({ gap: true, events });
/** The seqs of replayed frames. */
const seqs = (replay: Replay) => replay.events.map((text) => (JSON.parse(text) as { seq: number }).seq);

describe('EventBuffer', () => {
  describe('numbering', () => {
    it('numbers events from 1 and splices "seq" into the JSON body, keeping every other field', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      expect(buffer.size).to.equal(0);
      const first = buffer.add(body(1))!;
      expect(first).to.equal(framed(1, 1));
      expect(JSON.parse(first)).to.deep.equal({ t: 'member', channel: 'c', uid: 'u1', joined: true, count: 1, seq: 1 });
      expect(buffer.add(body(2))).to.equal(framed(2, 2));
      const status = buffer.add(JSON.stringify({ t: 'status', statuses: { a: 'ONLINE', b: 'OFFLINE' } }))!;
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
      expect(buffer.since(0)).to.deep.equal(whole(sent));
      expect(buffer.since(0)).to.deep.equal(whole(sent)); // replaying does not consume
      expect(buffer.since(2)).to.deep.equal(whole(sent.slice(2)));
      expect(seqs(buffer.since(2))).to.deep.equal([3, 4, 5]);
      expect(buffer.since(4)).to.deep.equal(whole([sent[4]]));
      expect(buffer.since(5)).to.deep.equal(whole([]));
    });

    it('since(seq) acknowledges seq: what the client said it saw is forgotten', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      fill(buffer, 5);
      buffer.since(3);
      expect(buffer.size).to.equal(2);
      expect(seqs(buffer.since(3))).to.deep.equal([4, 5]);
    });

    it('a seq in the future (never sent) → a gap and nothing; what is held is dropped (the client reconciles)', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      expect(buffer.since(1)).to.deep.equal(gap());
      expect(buffer.since(0)).to.deep.equal(whole([]));
      fill(buffer, 3);
      expect(buffer.since(4)).to.deep.equal(gap());
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
      expect(buffer.since(3)).to.deep.equal(whole(sent.slice(3)));
      buffer.ack(2); // an older ack changes nothing
      expect(buffer.size).to.equal(2);
      buffer.ack(5);
      expect(buffer.size).to.equal(0);
      expect(buffer.since(5)).to.deep.equal(whole([]));
    });

    it('an ack past the last seq drops everything, and the next event is still numbered in order and held', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      fill(buffer, 3);
      buffer.ack(99);
      expect(buffer.size).to.equal(0);
      expect(buffer.since(3)).to.deep.equal(whole([]));
      expect(buffer.add(body(4))).to.equal(framed(4, 4));
      expect(seqs(buffer.since(3))).to.deep.equal([4]);
    });

    it('after ack(N), since(M < N) → a gap: events between M and N are gone, so no replay can be complete', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      fill(buffer, 5);
      buffer.ack(3);
      expect(seqs(buffer.since(4))).to.deep.equal([5]);
      // since() acknowledges too: after since(4), since(3) cannot replay 4 any more.
      expect(buffer.since(3)).to.deep.equal(gap());
      expect(buffer.size, 'a gap drops the member events held (the client reconciles)').to.equal(0);
      const again = new EventBuffer(100, 1_000_000);
      fill(again, 5);
      again.ack(3);
      expect(again.since(2)).to.deep.equal(gap());
      fill(again, 5);
      again.ack(7);
      expect(again.since(0)).to.deep.equal(gap());
    });

    it('after a gap, the messages held after the loss are still replayed, in order; member events are not', () => {
      const buffer = new EventBuffer(3, 1_000_000);
      fill(buffer, 4); // the 4th overflows: lost up to 4
      buffer.add(message(5));
      buffer.add(body(6));
      buffer.add(message(7));
      expect(buffer.since(2)).to.deep.equal(gap([framedMessage(5, 5), framedMessage(7, 7)]));
      // Kept until acknowledged; a resume from before that replay is a gap again (the member event is gone).
      expect(buffer.size).to.equal(2);
      expect(buffer.since(5)).to.deep.equal(gap([framedMessage(7, 7)]));
      expect(buffer.since(7)).to.deep.equal(whole([]));
      expect(buffer.add(message(8))).to.equal(framedMessage(8, 8));
      expect(buffer.since(7)).to.deep.equal(whole([framedMessage(8, 8)]));
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
    it('by count: maxEvents are kept; one more drops them all: older seqs → a gap while later ones replay', () => {
      const buffer = new EventBuffer(3, 1_000_000);
      const sent = fill(buffer, 3);
      expect(buffer.size).to.equal(3);
      expect(buffer.since(0)).to.deep.equal(whole(sent));
      const fourth = buffer.add(body(4));
      expect(fourth).to.equal(framed(4, 4)); // still numbered and returned for sending
      expect(buffer.size).to.equal(0);
      for (const seq of [0, 1, 2, 3]) expect(buffer.since(seq), `since(${seq})`).to.deep.equal(gap());
      // A client that saw the 4th (it was sent live) has missed nothing.
      expect(buffer.since(4)).to.deep.equal(whole([]));
      const fifth = buffer.add(body(5))!;
      const sixth = buffer.add(body(6))!;
      expect(buffer.since(4)).to.deep.equal(whole([fifth, sixth]));
      expect(buffer.since(5)).to.deep.equal(whole([sixth]));
      // One that missed the lost ones reconciles instead.
      expect(buffer.since(3)).to.deep.equal(gap());
      expect(buffer.since(7)).to.deep.equal(gap());
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
      for (const seq of [0, 1, 2]) expect(buffer.since(seq), `since(${seq})`).to.deep.equal(gap());
      expect(buffer.since(3)).to.deep.equal(whole([]));
      buffer.add(body(4));
      expect(seqs(buffer.since(3))).to.deep.equal([4]);
    });

    it('one event larger than maxBytes is lost at once, and only seqs from it on replay', () => {
      const buffer = new EventBuffer(100, 50);
      const big = buffer.add(JSON.stringify({ t: 'status', statuses: { ['x'.repeat(60)]: 'ONLINE' } }))!;
      expect(JSON.parse(big)).to.deep.equal({ t: 'status', statuses: { ['x'.repeat(60)]: 'ONLINE' }, seq: 1 });
      expect(buffer.size).to.equal(0);
      expect(buffer.since(0)).to.deep.equal(gap());
      expect(buffer.since(1)).to.deep.equal(whole([]));
    });

    it('a second overflow moves the loss point on', () => {
      const buffer = new EventBuffer(2, 1_000_000);
      fill(buffer, 3); // lost up to 3
      expect(buffer.since(3)).to.deep.equal(whole([]));
      fill(buffer, 3); // 4, 5 held; 6 overflows: lost up to 6
      expect(buffer.since(3)).to.deep.equal(gap());
      expect(buffer.since(5)).to.deep.equal(gap());
      expect(buffer.since(6)).to.deep.equal(whole([]));
    });
  });

  describe('a session that moved here: awaitHandoff() and handedOver()', () => {
    /** The frames another node made of bodies `from`..`to`, numbered alike. */
    const numbered = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => framed(from + i, from + i));

    it("events that come while waiting are held back, then numbered after the old node's, in one sequence", () => {
      const buffer = new EventBuffer(100, 1_000_000);
      buffer.awaitHandoff(4); // the client saw up to 4
      expect(buffer.add(body(8))).to.equal(undefined);
      expect(buffer.add(body(9))).to.equal(undefined);
      expect(buffer.size).to.equal(0);
      buffer.handedOver({ seq: 7, events: numbered(5, 7), subscriptions: [] });
      expect(buffer.since(4)).to.deep.equal(whole([...numbered(5, 7), framed(8, 8), framed(9, 9)]));
      expect(buffer.add(body(10))).to.equal(framed(10, 10));
    });

    it('an empty handoff (the client had seen all): the waiting events follow its seq', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      buffer.awaitHandoff(6);
      buffer.add(body(7));
      buffer.handedOver({ seq: 6, events: [], subscriptions: ['bob'] });
      expect(buffer.since(6)).to.deep.equal(whole([framed(7, 7)]));
    });

    it('no handoff (old node gone or late): a gap, then the messages that came meanwhile, numbered after seq', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      buffer.awaitHandoff(4);
      buffer.add(message(5));
      buffer.add(body(6));
      buffer.handedOver(undefined);
      buffer.add(message(7));
      expect(buffer.since(4)).to.deep.equal(gap([framedMessage(5, 5), framedMessage(7, 7)]));
      expect(buffer.since(7)).to.deep.equal(whole([]));
    });

    it("a handoff that does not follow the client's seq is not this session's sequence: a gap", () => {
      const buffer = new EventBuffer(100, 1_000_000);
      buffer.awaitHandoff(4);
      buffer.add(message(9));
      buffer.handedOver({ seq: 8, events: numbered(7, 8), subscriptions: [] });
      expect(buffer.since(4)).to.deep.equal(gap([framedMessage(9, 5)]));
    });

    it('a handoff over the bounds overflows as if the events had come here: a gap, then what came after', () => {
      const buffer = new EventBuffer(3, 1_000_000);
      buffer.awaitHandoff(0);
      buffer.add(message(5));
      buffer.handedOver({ seq: 4, events: numbered(1, 4), subscriptions: [] });
      expect(buffer.since(0)).to.deep.equal(gap([framedMessage(5, 5)]));
    });

    it('asked to replay while still waiting (the session moved on again): a gap and nothing', () => {
      const buffer = new EventBuffer(100, 1_000_000);
      buffer.awaitHandoff(4);
      buffer.add(body(5));
      expect(buffer.since(4)).to.deep.equal(gap());
    });
  });
});
