/**
 * The probe handler: it refuses a request it may not make (naming the field and the value), and
 * answers what one real HTTP request to a local server came back with: a response, a refused
 * connection, a timeout.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { handler } from '../../lambda/probe-instance';

/** A local app: `/slow` never answers, `/moved` redirects, anything else answers 503 "starting". */
let server: http.Server;
let port: number;
/** What the app was asked, as `METHOD path`. */
const received: string[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    if (request.url === '/slow') return; // never answers
    response.writeHead(request.url === '/moved' ? 302 : 503, { location: '/elsewhere' });
    response.end('starting');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

beforeEach(() => received.splice(0));

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A port nothing listens on: one the system gave out, then closed. */
async function closedPort(): Promise<number> {
  const spare = http.createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const free = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
  return free;
}

const request = (overrides: Record<string, unknown> = {}) => ({
  address: '127.0.0.1',
  port,
  path: '/health?deep=1',
  timeoutMs: 2000,
  ...overrides,
});

describe('probe-instance handler', () => {
  test('GIVEN an app that answers THEN its status and body, from exactly one GET of the path and query', async () => {
    await expect(handler(request())).resolves.toEqual({ kind: 'response', status: 503, body: 'starting' });
    expect(received).toEqual(['GET /health?deep=1']);
  });

  test('GIVEN a redirect THEN the redirect itself is the answer (not followed)', async () => {
    await expect(handler(request({ path: '/moved' }))).resolves.toEqual({
      kind: 'response',
      status: 302,
      body: 'starting',
    });
    expect(received).toEqual(['GET /moved']);
  });

  test('GIVEN nothing listens on the port THEN refused', async () => {
    await expect(handler(request({ port: await closedPort() }))).resolves.toEqual({ kind: 'refused' });
  });

  test('GIVEN an app that never answers THEN a timeout after the request timeout', async () => {
    const started = Date.now();
    await expect(handler(request({ path: '/slow', timeoutMs: 200 }))).resolves.toEqual({
      kind: 'timeout',
      timeoutMs: 200,
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test.each([
    [{ address: 'example.com' }, 'address ("example.com") must be an IPv4 address (dotted quad)'],
    [{ address: '10.0.0.256' }, 'address ("10.0.0.256") must be an IPv4 address (dotted quad)'],
    [{ address: '169.254.169.254:80/x#' }, 'address ("169.254.169.254:80/x#") must be an IPv4 address'],
    [{ port: 0 }, 'port (0) must be a whole number between 1 and 65535'],
    [{ port: 65536 }, 'port (65536) must be a whole number between 1 and 65535'],
    [{ port: '8080' }, 'port ("8080") must be a whole number between 1 and 65535'],
    [{ path: 'health' }, 'path ("health") must be a path starting with "/"'],
    [{ path: '/a b' }, 'path ("/a b") must be a path starting with "/"'],
    [{ timeoutMs: 0 }, 'timeoutMs (0) must be a whole number between 1 and 60000'],
    [{ timeoutMs: 60_001 }, 'timeoutMs (60001) must be a whole number between 1 and 60000'],
    [{ timeoutMs: 1.5 }, 'timeoutMs (1.5) must be a whole number between 1 and 60000'],
    [{ timeoutMs: undefined }, 'timeoutMs (undefined) must be a whole number between 1 and 60000'],
  ])('GIVEN %j THEN refused, naming the field and the value', async (overrides, message) => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    try {
      await expect(handler(request(overrides))).rejects.toThrow(message);
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  test('GIVEN several bad fields or no event THEN one error names each', async () => {
    await expect(handler({ address: 'x', port: 80, path: '/', timeoutMs: -1 })).rejects.toThrow(
      'probe request refused: address ("x") must be an IPv4 address (dotted quad); timeoutMs (-1) must be a whole number between 1 and 60000',
    );
    await expect(handler(undefined)).rejects.toThrow(
      /^probe request refused: address \(undefined\) .*; port \(undefined\) .*; path \(undefined\) .*; timeoutMs \(undefined\) /,
    );
  });
});
