/**
 * rxjs-websockets' factory, whichever way the module system hands it over.
 *
 * The package ships CommonJS with `exports.default`. Bundlers honour its
 * `__esModule` flag and give the function as the default import; Node's ESM
 * loader gives the whole `module.exports` object instead. This reads both.
 * (A default import, not `import *`: a bundle then builds no namespace object.)
 */
import type { Observable } from 'rxjs';
import rxjsWebsockets from 'rxjs-websockets';
import type { GetWebSocketResponses, WebSocketOptions } from 'rxjs-websockets';

type MakeWebSocketObservable = <T extends string | ArrayBuffer | Blob>(
  url: string,
  options?: WebSocketOptions,
) => Observable<GetWebSocketResponses<T>>;
const loaded = rxjsWebsockets as unknown as MakeWebSocketObservable | { default: MakeWebSocketObservable };

export const makeWebSocketObservable: MakeWebSocketObservable = typeof loaded === 'function' ? loaded : loaded.default;
export type { WebSocketLike } from 'rxjs-websockets';
