/**
 * `npm run size`, as a smoke test: the script bundles the client for
 * browsers and nothing Node-only gets in; the size budget is checked here
 * too (see the README's "Bundle size").
 */
import { expect } from 'chai';
import {
  AGORA_EXTRA_LIMIT_BYTES,
  agoraProblems,
  GZIP_LIMIT_BYTES,
  measureAgora,
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

  describe('rx-rtm/agora', () => {
    let agora: BundleSize;

    before(async () => {
      agora = await measureAgora();
    });

    it('bundles the facade for browsers with the client, rxjs its only import, nothing from Node', () => {
      expect(agora.imports).to.deep.equal(['rxjs']);
      expect(agora.nodeOnly).to.deep.equal([]);
      const paths = agora.inputs.map((i) => i.path);
      expect(paths).to.include.members(['lib/agora/agora-client.ts', 'lib/client/rtm-client.ts']);
      expect(paths.some((path) => path.includes('agora-rtm-sdk'))).to.equal(false);
    });

    it('flags a facade adding more than its ceiling, or carrying Node-only code', () => {
      const fine = { ...agora, gzipBytes: rxRtm.gzipBytes + AGORA_EXTRA_LIMIT_BYTES, nodeOnly: [] };
      expect(agoraProblems(fine, rxRtm)).to.deep.equal([]);
      expect(agoraProblems({ ...fine, gzipBytes: fine.gzipBytes + 1 }, rxRtm)).to.have.length(1);
      expect(agoraProblems({ ...fine, nodeOnly: ['ws'] }, rxRtm)).to.have.length(1);
    });

    it(`adds at most ${AGORA_EXTRA_LIMIT_BYTES} bytes gzipped to the client's bundle`, () => {
      expect(agoraProblems(agora, rxRtm)).to.deep.equal([]);
      expect(agora.gzipBytes - rxRtm.gzipBytes).to.be.at.most(AGORA_EXTRA_LIMIT_BYTES);
    });
  });
});
