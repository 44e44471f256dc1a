/**
 * The oracle health setting and how a node's answer is read: the setting's entries validated at start (naming the
 * setting), and a node that answers healthy, one that answers its problems, one that never answers in time and a
 * stopped port each reported as such rather than as an error.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiConfigError, loadApiConfig } from '../../../services/api/config.js';
import { probeNode } from '../../../services/api/consortium/oracle-health.js';
import { freePort } from '../../helpers/ports.js';

const ORACLE = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc';

describe('oracle health', function () {
  describe('POLICYLEDGER_API_ORACLE_HEALTH_URLS', () => {
    it('reads URLs, each optionally tied to its oracle account', () => {
      const config = loadApiConfig({
        POLICYLEDGER_API_ORACLE_HEALTH_URLS: `${ORACLE.toLowerCase()}=http://10.0.0.7:9101/health, http://10.0.0.8:9101/health`,
      });
      expect(config.oracleHealth).to.deep.equal([
        { url: 'http://10.0.0.7:9101/health', oracle: ORACLE },
        { url: 'http://10.0.0.8:9101/health', oracle: null },
      ]);
      expect(loadApiConfig({}).oracleHealth).to.deep.equal([]);
    });

    it('refuses a URL that is not http(s), and one named twice, naming the setting', () => {
      for (const value of ['ftp://10.0.0.7/health', 'http://a:1/health,http://a:1/health']) {
        expect(() => loadApiConfig({ POLICYLEDGER_API_ORACLE_HEALTH_URLS: value }))
          .to.throw(ApiConfigError)
          .with.property('setting', 'POLICYLEDGER_API_ORACLE_HEALTH_URLS');
      }
    });
  });

  describe('asking a node', () => {
    let server: Server;
    let base: string;

    before(async () => {
      server = createServer((request, response) => {
        if (request.url === '/slow') return; // never answers
        const failing = request.url === '/failing';
        response.writeHead(failing ? 503 : 200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            status: failing ? 'failing' : 'ok',
            node: 'oracle-1',
            oracle: ORACLE.toLowerCase(),
            lastPassAt: 1_796_000_000,
            lastPassError: null,
            problems: failing ? ['chain out of reach'] : [],
            feeds: { waiting: 2 },
            submissions: { confirmed: 5 },
          }),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('reports a healthy node with its oracle, last pass and counts', async () => {
      const health = await probeNode({ url: `${base}/health`, oracle: null });
      expect(health).to.deep.include({
        state: 'ok',
        httpStatus: 200,
        oracle: ORACLE,
        node: 'oracle-1',
        lastPassAt: new Date(1_796_000_000_000).toISOString(),
        problems: [],
        feeds: { waiting: 2 },
        submissions: { confirmed: 5 },
      });
    });

    it('reports a node that answers its problems as failing, with them', async () => {
      const health = await probeNode({ url: `${base}/failing`, oracle: null });
      expect(health).to.deep.include({ state: 'failing', httpStatus: 503, problems: ['chain out of reach'] });
    });

    it('reports a node that does not answer in time, or a stopped port, as unreachable', async () => {
      const slow = await probeNode({ url: `${base}/slow`, oracle: ORACLE }, 200);
      expect(slow).to.deep.include({ state: 'unreachable', oracle: ORACLE, problems: ['no answer within 200 ms'] });
      const stopped = await probeNode({ url: `http://127.0.0.1:${await freePort()}/health`, oracle: null });
      expect(stopped).to.deep.include({ state: 'unreachable', problems: ['the connection failed'] });
    });
  });
});
