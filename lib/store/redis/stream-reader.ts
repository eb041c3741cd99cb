/**
 * Reads apps' event streams on a connection of its own (the reads block),
 * each from where this node stopped, for as long as it is open: a node
 * that was cut off from Redis for a moment reads on and misses nothing.
 * It also tells the operations that wait for their own events when those
 * were delivered.
 *
 * One reader serves the streams it is given over one connection: on a
 * Redis Cluster, streams of one hash slot (stream-readers.ts).
 */
import type { RedisClient } from './connection.js';
import { compareStreamIds } from './stream-id.js';

export interface StreamHandlers {
  /** One entry, in stream order; at most once per entry. */
  deliver(stream: string, id: string, fields: string[]): void;
  /** Entries of `stream` this node had not read were trimmed away while its connection was down. */
  fellBehind(stream: string): void;
  /**
   * Entries of `stream` this node had delivered are gone: Redis failed over to a replica that had
   * not received them (or restarted empty). The reader reads on from the last entry still there.
   */
  lostEntries(stream: string): void;
  onError(error: unknown): void;
  /** True while the connection trouble is known (and reported) already: a failed read is not reported again. */
  inOutage(): boolean;
  /** The reader's connection was lost (or, on a Redis Cluster, a connection to one of its nodes). */
  dropped(): void;
}

/**
 * What an operation waiting for its own entry needs. An `ordered` one (a claim, a join) changes who
 * hears the entries after it, so those are delivered only once it went on; a message send only
 * answers its sender, and later entries need not wait for that.
 */
export type CatchUp = 'ordered' | 'unordered';

interface Waiter {
  id: string;
  catchUp: CatchUp;
  resolve: () => void;
}

/** Holds back a stream's entries until released (at most once; a second release does nothing). */
export interface Hold {
  release(): void;
}

/** Where this node is in a stream, the operations waiting for it to get further, and those holding it back. */
interface Cursor {
  lastId: string;
  waiters: Waiter[];
  holds: number;
  /** The reader, waiting for the holds to go. */
  unheld: Array<() => void>;
}

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

const READ_BLOCK_MS = 1000;
const READ_COUNT = 1000;
/** Longest an operation waits for the stream to deliver its own events. */
const CATCH_UP_LIMIT_MS = 2000;

export class StreamReader {
  private readonly cursors = new Map<string, Cursor>();
  private reading: Promise<void> | undefined;
  /** Counts the lost connections, so a read that spanned one is checked for a gap first. */
  private drops = 0;
  private closed = false;
  /** Settles {@link closing}. */
  private endRead!: () => void;
  /** Settles at {@link close}: a read the connection lost stays unanswered until it is back, after close never. */
  private readonly closing = new Promise<null>((resolve) => (this.endRead = () => resolve(null)));

  constructor(
    private readonly connection: RedisClient,
    streams: readonly string[],
    private readonly handlers: StreamHandlers,
    /**
     * The server the streams are read from, if it can change under a live connection: on a Redis
     * Cluster, the primary of their slot (a failover moves the reads to a replica that may lack entries).
     */
    private readonly servedBy: () => string = () => '',
  ) {
    for (const stream of streams) this.cursors.set(stream, { lastId: '0-0', waiters: [], holds: 0, unheld: [] });
    // A lost connection: to the Redis, or (a Cluster's `-node`) to one of the cluster's nodes.
    for (const lost of ['close', '-node']) {
      connection.on(lost, () => {
        this.drops++;
        handlers.dropped();
      });
    }
  }

  connect(): Promise<void> {
    return this.connection.connect();
  }

  /** Starts every stream after its newest entry (before {@link start}). */
  async seekToEnd(): Promise<void> {
    for (const [stream, cursor] of this.cursors) {
      const top = (await this.connection.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      cursor.lastId = top[0]?.[0] ?? '0-0';
    }
  }

  start(): void {
    this.reading = this.readLoop();
  }

  /**
   * Holds back `stream`'s entries from now until released: for an ordered operation whose entries
   * may reach this reader before its reply tells where they are (the read and the reply come on two
   * connections). Released once it waits for its position ({@link caughtUp}), or when it failed.
   */
  hold(stream: string): Hold {
    const cursor = this.cursors.get(stream);
    if (!cursor || this.closed) return { release: () => undefined };
    cursor.holds++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        if (--cursor.holds === 0) for (const go of cursor.unheld.splice(0)) go();
      },
    };
  }

  /**
   * Resolves once entry `id` of `stream` (and all before it) was delivered, or after a time limit;
   * releases `hold` once it waits.
   */
  caughtUp(stream: string, id: string | undefined, catchUp: CatchUp, hold?: Hold): Promise<void> {
    const cursor = this.cursors.get(stream);
    if (!cursor || !id || this.closed || compareStreamIds(id, cursor.lastId) <= 0) {
      hold?.release();
      return Promise.resolve();
    }
    const caughtUp = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        cursor.waiters = cursor.waiters.filter((waiter) => waiter.resolve !== done);
        resolve();
      }, CATCH_UP_LIMIT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      cursor.waiters.push({ id, catchUp, resolve: done });
    });
    hold?.release();
    return caughtUp;
  }

  /** Stops reading (waiting operations go on) and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endRead();
    for (const cursor of this.cursors.values()) {
      for (const waiter of cursor.waiters.splice(0)) waiter.resolve();
      for (const go of cursor.unheld.splice(0)) go();
    }
    this.connection.disconnect();
    await this.reading;
  }

  private async readLoop(): Promise<void> {
    const streams = [...this.cursors.keys()];
    let drops = this.drops;
    let server = this.servedBy();
    while (!this.closed) {
      try {
        // A read cut by a lost connection is sent again once the connection is back (ioredis does it).
        const read = this.connection.call(
          'XREAD',
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          ...streams,
          ...streams.map((stream) => this.cursors.get(stream)!.lastId),
        ) as Promise<StreamReply>;
        const reply = await Promise.race([read, this.closing]);
        if (this.closed) return;
        // The connection dropped since the last read, or another server answered it (a shard's replica took
        // over): before delivering anything, see whether entries this node never read were trimmed away in
        // the meantime, or entries it read are missing.
        if ((this.drops !== drops || this.servedBy() !== server) && !this.closed) {
          drops = this.drops;
          server = this.servedBy();
          // A cursor moved back: the read is made again from there.
          if (await this.checkGaps()) continue;
        }
        for (const [stream, entries] of reply ?? []) {
          const cursor = this.cursors.get(stream);
          if (!cursor) continue;
          for (const [id, fields] of entries) {
            while (cursor.holds > 0 && !this.closed) await new Promise<void>((go) => cursor.unheld.push(go));
            if (this.closed) return;
            if (compareStreamIds(id, cursor.lastId) <= 0) continue;
            cursor.lastId = id;
            this.handlers.deliver(stream, id, fields);
            if (this.release(cursor)) {
              // Let the ordered operation that waited for this entry finish (a join adds its session to
              // the fan-out) before later entries are delivered, as on a single server.
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
        }
      } catch (error) {
        if (this.closed) return;
        if (!this.handlers.inOutage()) this.handlers.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Resolves the operations waiting for entries up to the cursor; true if an ordered one was among them. */
  private release(cursor: Cursor): boolean {
    if (cursor.waiters.length === 0) return false;
    const ready = cursor.waiters.filter((waiter) => compareStreamIds(waiter.id, cursor.lastId) <= 0);
    if (ready.length === 0) return false;
    cursor.waiters = cursor.waiters.filter((waiter) => compareStreamIds(waiter.id, cursor.lastId) > 0);
    for (const waiter of ready) waiter.resolve();
    return ready.some((waiter) => waiter.catchUp === 'ordered');
  }

  /**
   * After a lost connection: reports each stream that trimmed entries this node had not read
   * (it fell further behind than the stream keeps), or lost entries it had read; then moves its
   * cursor back to the last entry the stream still holds. True if a cursor moved.
   */
  private async checkGaps(): Promise<boolean> {
    let moved = false;
    for (const [stream, cursor] of this.cursors) {
      const info = await this.connection.call('XINFO', 'STREAM', stream).catch(() => undefined);
      const fields = new Map<string, unknown>();
      if (Array.isArray(info)) for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
      const first = fields.get('first-entry');
      const added = fields.get('entries-added');
      // Entries go oldest first, so some after this node's position are gone only if the oldest left is
      // past it (over-estimated by one: the entry at the position itself may be the only one trimmed).
      // Redis 7 also says whether anything was ever trimmed.
      const trimmed = added === undefined || Number(added) > Number(fields.get('length'));
      const pastCursor =
        Array.isArray(first) && typeof first[0] === 'string' && compareStreamIds(first[0], cursor.lastId) > 0;
      if (Array.isArray(info) && trimmed && pastCursor) {
        this.handlers.fellBehind(stream);
        continue;
      }
      if (cursor.lastId === '0-0' || (await this.holds(stream, cursor.lastId))) continue;
      // The stream lost the entry this node is at, and those after it (a replica's copy ends earlier).
      const [previous] = (await this.connection.call('XREVRANGE', stream, cursor.lastId, '-', 'COUNT', 1)) as Array<
        [string, string[]]
      >;
      cursor.lastId = previous?.[0] ?? '0-0';
      moved = true;
      this.handlers.lostEntries(stream);
    }
    return moved;
  }

  private async holds(stream: string, id: string): Promise<boolean> {
    const found = (await this.connection.call('XRANGE', stream, id, id)) as unknown[];
    return found.length > 0;
  }
}
