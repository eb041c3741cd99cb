/**
 * `on(name, handler)` / `off(name, handler)` over observables, so code
 * written for the original SDK's event style ports over while the streams
 * stay the source of truth. Each registration is one subscription.
 */
import type { Observable, Subscription } from 'rxjs';

// `never[]` makes any handler signature acceptable to the constraint without `any`.
export class EventBridge<E extends { [K in keyof E]: (...args: never[]) => void }> {
  readonly #registrations = new Map<keyof E, Map<E[keyof E], Subscription>>();

  readonly #sources: { [K in keyof E]: Observable<Parameters<E[K]>> };

  constructor(sources: { [K in keyof E]: Observable<Parameters<E[K]>> }) {
    this.#sources = sources;
  }

  /** Calls `handler` for each event `name` from now on; registering the same handler twice has no further effect. */
  on<K extends keyof E>(name: K, handler: E[K]): void {
    let byHandler = this.#registrations.get(name);
    if (!byHandler) this.#registrations.set(name, (byHandler = new Map<E[keyof E], Subscription>()));
    if (byHandler.has(handler)) return;
    byHandler.set(
      handler,
      this.#sources[name].subscribe((args) => (handler as (...a: Parameters<E[K]>) => void)(...args)),
    );
  }

  off<K extends keyof E>(name: K, handler: E[K]): void {
    const byHandler = this.#registrations.get(name);
    byHandler?.get(handler)?.unsubscribe();
    byHandler?.delete(handler);
  }

  /** Drops every registration. */
  clear(): void {
    for (const byHandler of this.#registrations.values())
      for (const subscription of byHandler.values()) subscription.unsubscribe();
    this.#registrations.clear();
  }
}
