/**
 * Runs an app's scripts against its data as this node knows it (the
 * epoch): a script that finds another epoch changes nothing, so this runner
 * first has the data restored (see recovery.ts), then runs it again.
 * ioredis reconnects by itself and queues commands meanwhile; the epoch is
 * read again on every reconnect (see RedisStore) and checked in every script,
 * and replaced when Redis lost writes without losing the epoch (a failover).
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './connection.js';
import { epochScript } from './scripts/recovery-scripts.js';
import { isEpochChanged, type RedisScript } from './scripts/script.js';
import type { ServedApp } from './served-app.js';

/** What the epoch script read: the epoch, when it was set and Redis's clock now (ms). */
export type EpochReading = ReturnType<typeof epochScript.decode>;

/**
 * How the node takes a new epoch: restores what it holds
 * (throws to keep the old epoch and try again at the next check).
 */
export type OnDataLost = (app: ServedApp, reading: EpochReading) => Promise<void>;

type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>;

const EPOCH_CHANGED = Symbol('epoch changed');
const MOST_EPOCH_CHANGES = 3;

export class ScriptRunner {
  private readonly defined = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    /** The MAXLEN of every app's stream. */
    private readonly streamMaxLength: number,
    private readonly onDataLost: OnDataLost,
  ) {}

  /**
   * Runs a script once any epoch check under way is over;
   * if the data was lost since, restores first and runs it again.
   */
  async run<Input, Result>(app: ServedApp, script: RedisScript<Input, Result>, input: Input): Promise<Result> {
    for (let attempt = 0; ; attempt++) {
      if (app.epochTask) await app.epochTask;
      const reply = await this.send(app, script, input);
      if (reply !== EPOCH_CHANGED) return reply;
      if (attempt >= MOST_EPOCH_CHANGES)
        throw new Error(`the presence store's data keeps changing under ${script.name}`);
      await this.ensureEpoch(app);
    }
  }

  /** Runs a script as part of a restore (inside the epoch check, so without waiting for it). */
  async runRestoring<Input, Result>(app: ServedApp, script: RedisScript<Input, Result>, input: Input): Promise<Result> {
    const reply = await this.send(app, script, input);
    if (reply === EPOCH_CHANGED) throw new Error('the presence store lost its data again while restoring');
    return reply;
  }

  /** Checks the app's epoch, unless a check is under way already (then joins it). */
  ensureEpoch(app: ServedApp): Promise<void> {
    app.epochTask ??= this.epochTask(app, undefined);
    return app.epochTask;
  }

  /**
   * Redis lost writes this node had seen (it failed over to a replica that had not received
   * them): replaces the app's epoch, unless another node did already, so every node writes back
   * what it holds and its clients reconcile.
   */
  async renewEpoch(app: ServedApp): Promise<void> {
    // The epoch of the data found wanting: one renewed meanwhile (by a node that saw the loss first) is kept.
    const known = app.epoch;
    while (app.epochTask) await app.epochTask.catch(() => undefined);
    app.epochTask = this.epochTask(app, known);
    return app.epochTask;
  }

  /**
   * Reads the app's epoch (setting it if missing, or if it is `replacing`).
   * A different one than this node knew means Redis lost the app's data: the
   * node restores what it holds before it takes the new epoch.
   */
  async checkEpoch(app: ServedApp, replacing?: string): Promise<void> {
    const candidate = randomBytes(8).toString('hex');
    const reading = epochScript.decode(
      await this.command(epochScript)(app.keys.epoch, ...epochScript.args({ candidate, replacing })),
    );
    if (reading.epoch === app.epoch) return;
    const previous = app.epoch;
    app.epoch = reading.epoch;
    if (previous === undefined) return;
    try {
      await this.onDataLost(app, reading);
    } catch (error) {
      // Try again at the next check: restoring is idempotent.
      app.epoch = previous;
      throw error;
    }
  }

  private epochTask(app: ServedApp, replacing: string | undefined): Promise<void> {
    return this.checkEpoch(app, replacing).finally(() => {
      app.epochTask = undefined;
    });
  }

  private async send<Input, Result>(
    app: ServedApp,
    script: RedisScript<Input, Result>,
    input: Input,
  ): Promise<Result | typeof EPOCH_CHANGED> {
    const common = script.checksEpoch ? [app.epoch ?? '', this.streamMaxLength] : [];
    const reply = await this.command(script)(app.keys.epoch, ...common, ...script.args(input));
    return isEpochChanged(reply) ? EPOCH_CHANGED : script.decode(reply);
  }

  /** The script as an ioredis command (by SHA, loaded again when Redis forgot it), defined on first use. */
  private command(script: RedisScript<unknown, unknown>): ScriptCommand {
    if (!this.defined.has(script.name)) {
      this.redis.defineCommand(script.name, { numberOfKeys: script.keys, lua: script.lua });
      this.defined.add(script.name);
    }
    const command = (this.redis as unknown as Record<string, ScriptCommand>)[script.name];
    return (...args) => command.call(this.redis, ...args);
  }
}
