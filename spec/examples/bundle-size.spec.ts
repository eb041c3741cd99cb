/**
 * `npm run size`, as a smoke test: the script bundles the client for
 * browsers and nothing Node-only gets in; the size budget is checked here
 * too (see the README's "Bundle size").
 */
import { expect } from 'chai';
import {
  GZIP_LIMIT_BYTES,
  measureBundle,
  measureRxRtm,
  measureSocketIo,
  problems,
  type BundleSize,
} from '../../scripts/bundle-size.js';

describe('scripts/bundle-size', () => {
  let rxRtm: BundleSize;

  before(async () => {
    rxRtm = await measureRxRtm();
  });

  it('bundles the client for browsers with rxjs as its only import and nothing from Node (no ws, no node:)', () => {
    expect(rxRtm.imports).to.deep.equal(['rxjs']);
    expect(rxRtm.nodeOnly).to.deep.equal([]);
    expect(rxRtm.inputs.map((i) => i.path)).to.include('lib/client/rtm-client.ts');
    expect(rxRtm.inputs.some((i) => i.path.includes('node_modules/ws/'))).to.equal(false);
    expect(rxRtm.gzipBytes).to.be.greaterThan(1000).and.lessThan(rxRtm.minBytes);
  });

  it('would notice ws, and a Node built-in fails the build', async () => {
    const nodeEntry = await measureBundle('rx-rtm (node entry)', "export * from './lib/node.ts';", ['rxjs', 'rxjs/*']);
    expect(nodeEntry.nodeOnly).to.deep.equal(['node_modules/ws/browser.js']);
    expect(problems(nodeEntry)).to.have.length.of.at.least(1);
    let failed = false;
    await measureBundle('node built-in', "export { gzipSync } from 'node:zlib';").catch(() => (failed = true));
    expect(failed).to.equal(true);
  });

  it('measures socket.io-client the same way, for comparison', async () => {
    const socketIo = await measureSocketIo();
    expect(socketIo.nodeOnly).to.deep.equal([]);
    expect(socketIo.gzipBytes).to.be.greaterThan(1000).and.lessThan(socketIo.minBytes);
  });

  it('flags a bundle over the budget or carrying Node-only code', () => {
    const fine = { ...rxRtm, gzipBytes: GZIP_LIMIT_BYTES, nodeOnly: [] };
    expect(problems(fine)).to.deep.equal([]);
    expect(problems({ ...fine, gzipBytes: GZIP_LIMIT_BYTES + 1 })).to.have.length(1);
    expect(problems({ ...fine, nodeOnly: ['ws'] })).to.have.length(1);
  });

  it(`is within the ${GZIP_LIMIT_BYTES}-byte gzip budget`, () => {
    expect(problems(rxRtm)).to.deep.equal([]);
    expect(rxRtm.gzipBytes).to.be.at.most(GZIP_LIMIT_BYTES);
  });
});
