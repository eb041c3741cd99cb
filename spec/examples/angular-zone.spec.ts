/**
 * The example's claim about zone.js, checked with the real one: a client
 * made by RtmService heartbeats without triggering change detection, while
 * the same client made inside the Angular zone triggers it on every timer.
 * zone.js patches timers and promises process-wide, so it runs in a child
 * process (angular-zone-probe.ts).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ZoneMeasure } from './angular-zone-probe.js';

const probe = fileURLToPath(new URL('./angular-zone-probe.ts', import.meta.url));

describe('examples/angular: RtmService under zone.js', () => {
  it('keeps heartbeats out of the Angular zone and brings state changes in', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe], { timeout: 15_000 });
    const { service, direct } = JSON.parse(stdout) as { service: ZoneMeasure; direct: ZoneMeasure };

    // Half a second of 20 ms heartbeats ran in both cases.
    expect(service.pings).to.be.at.least(10);
    expect(direct.pings).to.be.at.least(10);
    // With the service, the zone turned for the state changes only (and the setup), not for heartbeats...
    expect(service.turns).to.be.at.most(5);
    // ...which, for a client made inside the zone, turn it every time.
    expect(direct.turns).to.be.at.least(2 * direct.pings);
    // The Observable told every state inside the zone.
    expect(service.states).to.deep.equal([
      ['DISCONNECTED', true],
      ['CONNECTING', true],
      ['CONNECTED', true],
    ]);
  });
});
