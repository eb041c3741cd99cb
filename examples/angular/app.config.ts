/**
 * The app's configuration: zoneless change detection (Angular 21's
 * default) and the client's options. Bootstrap with
 * `bootstrapApplication(ConnectionStatusComponent, appConfig)` from
 * `@angular/platform-browser`.
 */
import { provideZonelessChangeDetection, type ApplicationConfig } from '@angular/core';
import { provideRtm } from './rtm.service.js';

export const appConfig: ApplicationConfig = {
  providers: [provideZonelessChangeDetection(), provideRtm({ url: 'ws://127.0.0.1:7600/', appId: 'demo' })],
};
