/**
 * User attributes: the local user's, which this client writes and keeps a
 * copy of, and anyone's, which it reads.
 *
 * The local copy changes only when the server confirmed a write, so it is
 * always what the server held last; when a new session starts (the server
 * dropped the attributes with the old one, BEHAVIOUR §4) the client writes the
 * copy back as one `set`. For that one write to be a valid call, the copy
 * is held to the per-call limits as a whole: at most 32 pairs and 16 KB.
 */
import { firstValueFrom, map } from './rx.js';
import type { Subscription } from 'rxjs';
import { attributeKeysProblem, attributesProblem, RateLimits } from '../protocol/limits.js';
import { invalidName } from './invalid-name.js';
import type { AttributeOp } from '../protocol/vocabulary.js';
import { rateWindow, type RateWindow } from './rate-window.js';
import { refusalError } from './refusal-error.js';
import type { Requests } from './requests.js';
import type { RtmError } from '../protocol/rtm-error.js';

/** User attributes: keys of 1 to 32 bytes, string values. */
export type AttributesMap = Record<string, string>;

export class LocalAttributes {
  #local = new Map<string, string>();
  readonly #countWrite: RateWindow;
  readonly #countRead: RateWindow;
  #writeBack: Subscription | undefined;

  readonly #requests: Requests;

  constructor(requests: Requests, now: () => number) {
    this.#requests = requests;
    this.#countWrite = rateWindow(RateLimits.setAttributes, 'attribute writes', now);
    this.#countRead = rateWindow(RateLimits.getAttributes, 'attribute reads', now);
  }

  /** Replaces every local attribute. */
  async set(attributes: AttributesMap): Promise<void> {
    const refused = refusalError(attributesProblem(attributes)) ?? this.#admitWrite();
    if (refused) throw refused;
    const entries = Object.entries(attributes);
    return this.#write({ op: 'set', attributes: Object.fromEntries(entries) }, () => (this.#local = new Map(entries)));
  }

  /** Adds or updates the given attributes, keeping the others. */
  async merge(attributes: AttributesMap): Promise<void> {
    const invalid = refusalError(attributesProblem(attributes));
    if (invalid) throw invalid;
    const entries = Object.entries(attributes);
    // The copy after the merge is what a write-back would `set`: it must make one valid call.
    const merged = Object.fromEntries([...this.#local, ...entries]);
    const refused = refusalError(attributesProblem(merged)) ?? this.#admitWrite();
    if (refused) throw refused;
    return this.#write({ op: 'merge', attributes: Object.fromEntries(entries) }, () =>
      entries.forEach(([key, value]) => this.#local.set(key, value)),
    );
  }

  async delete(keys: readonly string[]): Promise<void> {
    const refused = refusalError(attributeKeysProblem(keys)) ?? this.#admitWrite();
    if (refused) throw refused;
    const copy = [...keys];
    return this.#write({ op: 'delete', keys: copy }, () => copy.forEach((key) => this.#local.delete(key)));
  }

  async clear(): Promise<void> {
    const refused = this.#admitWrite();
    if (refused) throw refused;
    return this.#write({ op: 'clear' }, () => this.#local.clear());
  }

  /** `uid`'s attributes, all of them or those of `keys`; an offline user has none. */
  async read(uid: string, keys?: readonly string[]): Promise<AttributesMap> {
    const refused =
      invalidName('uid', uid) ??
      (keys === undefined ? undefined : refusalError(attributeKeysProblem(keys))) ??
      this.#requests.refusal() ??
      this.#countRead();
    if (refused) throw refused;
    const request$ = this.#requests.request$({ t: 'getAttrs', uid, keys: keys && [...keys] });
    return firstValueFrom(request$.pipe(map(({ attributes }) => attributes)));
  }

  /** A new session has no attributes: write the local ones back, if any. */
  restore(): void {
    if (this.#local.size === 0) return;
    this.#writeBack?.unsubscribe();
    this.#writeBack = this.#requests
      .request$({ t: 'attrs', op: 'set', attributes: Object.fromEntries(this.#local) }, { restore: true })
      // Refused, the server keeps none; there is no caller to tell.
      .subscribe({ error: () => undefined });
  }

  /** The session ended: no local attributes. */
  reset(): void {
    this.#writeBack?.unsubscribe();
    this.#local = new Map();
  }

  #admitWrite(): RtmError | undefined {
    return this.#requests.refusal() ?? this.#countWrite();
  }

  /** Sends an `attrs` write; `confirmed` updates the local copy once the server did. */
  #write(body: { op: AttributeOp; attributes?: AttributesMap; keys?: string[] }, confirmed: () => void): Promise<void> {
    return firstValueFrom(this.#requests.request$({ t: 'attrs', ...body }).pipe(map(() => void confirmed())));
  }
}
