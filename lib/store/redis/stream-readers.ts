/**
 * The stream readers of a store. On one Redis (by URL or through Sentinels)
 * one reader reads every served app's stream with one XREAD. On a Redis
 * Cluster an XREAD may only name keys of one hash slot, and a blocking read
 * holds its connection while it waits; so there is one reader per slot that
 * holds served apps' streams, each on a Cluster client of its own, whose
 * reads go to that slot's primary (following MOVED after a failover or a
 * slot migration, as ioredis does for any command).
 */
import { Cluster } from 'ioredis';
import { readerConnection, type RedisClient } from './connection.js';
import { StreamReader, type CatchUp, type Hold, type StreamHandlers } from './stream-reader.js';

export class StreamReaders {
  private readonly byStream = new Map<string, StreamReader>();

  private constructor(private readonly readers: ReadonlyMap<StreamReader, readonly string[]>) {
    for (const [reader, streams] of readers) for (const stream of streams) this.byStream.set(stream, reader);
  }

  /** Groups `streams` by slot (on a Cluster) and makes a connection for each group (`watch` sees it). */
  static async create(
    commands: RedisClient,
    streams: readonly string[],
    node: string,
    handlers: StreamHandlers,
    watch: (connection: RedisClient) => void,
  ): Promise<StreamReaders> {
    const groups = new Map<number, string[]>();
    for (const stream of streams) {
      const slot = commands instanceof Cluster ? Number(await commands.call('CLUSTER', 'KEYSLOT', stream)) : 0;
      groups.set(slot, [...(groups.get(slot) ?? []), stream]);
    }
    const readers = new Map<StreamReader, readonly string[]>();
    for (const [slot, group] of groups) {
      const connection = readerConnection(commands, node);
      watch(connection);
      const servedBy = connection instanceof Cluster ? () => connection.slots[slot]?.[0] ?? '' : undefined;
      readers.set(new StreamReader(connection, group, handlers, servedBy), group);
    }
    return new StreamReaders(readers);
  }

  async connect(): Promise<void> {
    await Promise.all([...this.readers.keys()].map((reader) => reader.connect()));
  }

  /** Starts every stream after its newest entry (before {@link start}). */
  async seekToEnd(): Promise<void> {
    await Promise.all([...this.readers.keys()].map((reader) => reader.seekToEnd()));
  }

  start(): void {
    for (const reader of this.readers.keys()) reader.start();
  }

  /** See {@link StreamReader.hold}. */
  hold(stream: string): Hold {
    return this.byStream.get(stream)?.hold(stream) ?? { release: () => undefined };
  }

  /** See {@link StreamReader.caughtUp}. */
  caughtUp(stream: string, id: string | undefined, catchUp: CatchUp, hold?: Hold): Promise<void> {
    return this.byStream.get(stream)?.caughtUp(stream, id, catchUp, hold) ?? Promise.resolve();
  }

  async close(): Promise<void> {
    await Promise.all([...this.readers.keys()].map((reader) => reader.close()));
  }
}
