/**
 * The original SDK's event methods (`on`, `once`, `off`, `removeAllListeners`, …), for the facade's client and
 * channel. A listener that throws is reported on the console and changes nothing: the other listeners of that event
 * still run and the client keeps working (BEHAVIOUR §8.1). A listener added twice for one event is called once per
 * event.
 */

/** Event names to listener signatures; `never[]` admits any signature without `any`. */
type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };

/** Any listener; `never[]` admits every signature without `any`. */
export type Listener = (...args: never[]) => unknown;

/**
 * A listener's arguments for event type `T`, spelled as the original SDK's typings spell it: TypeScript relates two
 * conditional types only when their `extends` clauses are identical, `any` included, so this one lets the facade's
 * objects stand where the SDK's are expected.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ListenerArgs<T> = [T] extends [(...args: infer U) => any] ? U : [T] extends [void] ? [] : [T];

interface Registration {
  readonly listener: Listener;
  readonly once: boolean;
}

export class Listeners<E extends EventMap<E>> {
  readonly #byEvent = new Map<keyof E, readonly Registration[]>();

  /** Calls `listener` on each event `eventName` from now on. */
  on<K extends keyof E>(eventName: K, listener: (...args: ListenerArgs<E[K]>) => unknown): this {
    return this.#add(eventName, listener, false);
  }

  /** Calls `listener` on the next event `eventName` only. */
  once<K extends keyof E>(eventName: K, listener: (...args: ListenerArgs<E[K]>) => unknown): this {
    return this.#add(eventName, listener, true);
  }

  /** Stops calling `listener` (added by `on` or `once`) for `eventName`. */
  off<K extends keyof E>(eventName: K, listener: (...args: never[]) => unknown): this {
    const kept = this.#registrations(eventName).filter((r) => r.listener !== listener);
    this.#byEvent.set(eventName, kept);
    return this;
  }

  /** Removes the listeners of `eventName`, or of every event. */
  removeAllListeners<K extends keyof E>(eventName?: K): this {
    if (eventName === undefined) this.#byEvent.clear();
    else this.#byEvent.delete(eventName);
    return this;
  }

  listeners<K extends keyof E>(eventName: K): Listener[] {
    return this.#registrations(eventName).map((r) => r.listener);
  }

  rawListeners<K extends keyof E>(eventName: K): Listener[] {
    return this.listeners(eventName);
  }

  listenerCount<K extends keyof E>(eventName: K): number {
    return this.#registrations(eventName).length;
  }

  /** Calls the listeners of `eventName` in the order they were added, each inside its own `try`. */
  protected emit<K extends keyof E>(eventName: K, ...args: ListenerArgs<E[K]>): void {
    const registrations = this.#registrations(eventName);
    if (registrations.some((r) => r.once))
      this.#byEvent.set(
        eventName,
        registrations.filter((r) => !r.once),
      );
    for (const { listener } of registrations) {
      try {
        (listener as (...a: ListenerArgs<E[K]>) => unknown)(...args);
      } catch (error) {
        console.error(`rx-rtm/agora: a ${String(eventName)} listener threw; the event goes on to the others`, error);
      }
    }
  }

  #add(eventName: keyof E, listener: Listener, once: boolean): this {
    const registrations = this.#registrations(eventName);
    if (!registrations.some((r) => r.listener === listener))
      this.#byEvent.set(eventName, [...registrations, { listener, once }]);
    return this;
  }

  #registrations(eventName: keyof E): readonly Registration[] {
    return this.#byEvent.get(eventName) ?? [];
  }
}
