/**
 * Run by angular-zone.spec.ts in a child process, because zone.js patches
 * the process's timers and promises: counts Angular zone turns (each one a
 * change detection in a zone-based app) while a client heartbeats every
 * 20 ms for half a second, made by RtmService or, for comparison, made
 * inside the Angular zone as an app would without the service. Prints JSON.
 */
import 'zone.js/node';
import '@angular/compiler';
import { Injector, NgZone } from '@angular/core';
import { asyncScheduler } from 'rxjs';
import { RTM_CLIENT_OPTIONS, RtmService } from '../../examples/angular/rtm.service.js';
import { createClient, type RtmClient, type RtmClientOptions } from '../../lib/index.js';
import { FakeRtmServer } from '../../lib/testing/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ZoneMeasure {
  /** `NgZone.onMicrotaskEmpty` emissions: what makes a zone-based app run change detection. */
  turns: number;
  /** Heartbeats answered meanwhile (the client's pongs to the server's pings). */
  pings: number;
  /** Connection states the app was told, and whether each was told inside the zone. */
  states: Array<[string, boolean]>;
}

async function measure(made: 'by RtmService' | 'inside the zone'): Promise<ZoneMeasure> {
  const zone = new NgZone({ enableLongStackTrace: false });
  let turns = 0;
  zone.onMicrotaskEmpty.subscribe(() => turns++);
  const server = new FakeRtmServer(asyncScheduler, { latencyMs: 1 });
  const options: RtmClientOptions = {
    url: 'ws://rtm.test/',
    appId: 'app',
    WebSocket: server.WebSocket,
    heartbeatIntervalMs: 20,
  };
  const states: Array<[string, boolean]> = [];
  let stop: () => void = () => {};
  zone.run(() => {
    let client: RtmClient;
    if (made === 'by RtmService') {
      const injector = Injector.create({
        providers: [
          RtmService,
          { provide: NgZone, useValue: zone },
          { provide: RTM_CLIENT_OPTIONS, useValue: options },
        ],
      });
      const service = injector.get(RtmService);
      service.connectionState$.subscribe(({ state }) => states.push([state, NgZone.isInAngularZone()]));
      void service.login('alice', 'token');
      stop = () => injector.destroy();
      client = service.client;
    } else {
      client = createClient(options);
      client.connectionState$.subscribe(({ state }) => states.push([state, NgZone.isInAngularZone()]));
      void client.login({ uid: 'alice', token: 'token' });
      stop = () => void client.destroy();
    }
  });
  await sleep(500);
  const measured = { turns, pings: server.framesOfType('pong').length, states: [...states] };
  zone.run(stop);
  await sleep(50);
  return measured;
}

const service = await measure('by RtmService');
const direct = await measure('inside the zone');
process.stdout.write(JSON.stringify({ service, direct }) + '\n');
