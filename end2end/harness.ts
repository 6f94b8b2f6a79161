// Starts and stops what the suite runs against: a 3-member etcd cluster from the project's cluster/ kit,
// and the release etcd-deck server, each on free ports. Processes are stopped by their PIDs.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..');

/** Runs one cluster/ kit script on the cluster in `dataDir`, with more environment (`env`); a
 * script that fails is an error saying how it ended (its exit status, or a signal from outside)
 * and what it printed. */
function runKit(dataDir: string, script: string, args: string[], env: Record<string, string> = {}): string {
  try {
    return execFileSync(path.join(repoRoot, 'cluster', script), [...args, '--data-dir', dataDir], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { status, signal, stderr } = error as { status: number | null; signal: string | null; stderr?: string };
    throw new Error(`cluster/${script} ${args.join(' ')} ended with status ${status}, signal ${signal}:\n${stderr ?? ''}`);
  }
}

/** The client URLs that `cluster/up` printed last, as `ETCD_ENDPOINTS=…`. */
function endpointsOf(up: string): string {
  return up.trim().split('\n').pop()!.replace('ETCD_ENDPOINTS=', '');
}

/** Runs one cluster/ kit script against the suite's private 3-member cluster. */
export function cluster(script: string, ...args: string[]): string {
  const dataDir = process.env.ETCD_DECK_E2E_DATA_DIR;
  if (!dataDir) throw new Error('ETCD_DECK_E2E_DATA_DIR is not set: run the suite through Playwright');
  return runKit(dataDir, script, args);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .once('listening', () => probe.close(() => resolve(true)))
      .listen(port, '127.0.0.1');
  });
}

/** A base port whose client, peer and metrics ports are free for members 1 to 3, all of them below
 * Linux's ephemeral ports (32768 and up): there an outgoing connection could take a killed member's
 * port before the member started again. m3's metrics port, the highest, is 30002 above the base. */
export async function freeBasePort(): Promise<number> {
  for (;;) {
    const base = 1024 + Math.floor(Math.random() * (32768 - 30002 - 1024));
    const ports = [1, 2, 3].flatMap((i) => [i === 1 ? base : i * 10000 + base, i * 10000 + base + 1, i * 10000 + base + 2]);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const address = probe.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        probe.close(() => resolve(port));
      });
  });
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** The release binary. */
export const binary = path.join(repoRoot, 'target', 'release', 'etcd-deck');

/** Starts one more release server on the suite's cluster, with more environment (its flags). */
export async function startServer(env: Record<string, string>): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const server = spawn(binary, [], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ETCD_ENDPOINTS: process.env.ETCD_DECK_E2E_ENDPOINTS,
      ETCD_DECK_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.join(repoRoot, 'target', 'site'),
      LEPTOS_ENV: 'PROD',
      RUST_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/readyz`, 30_000);
  } catch (error) {
    server.kill('SIGKILL');
    throw error;
  }
  return { url, process: server };
}

/** The etcdctl of the etcd the suite runs (`$CLUSTER_ETCD_BIN`, else PATH). */
export function etcdctl(endpoints: string, ...args: string[]): string {
  const bin = process.env.CLUSTER_ETCD_BIN;
  return execFileSync(bin ? path.join(bin, 'etcdctl') : 'etcdctl', [`--endpoints=${endpoints}`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts a private cluster of its own beside the suite's, for a spec that changes etcd's settings
 * (`etcdArgs`: more flags for each member) or its members (`kit` runs a cluster/ script on it). */
export async function startPrivateCluster(
  members: number,
  etcdArgs = '',
): Promise<{ endpoints: string; stop: () => void; kit: (script: string, ...args: string[]) => string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'etcd-deck-e2e-private-'));
  const kit = (script: string, ...args: string[]) => runKit(dataDir, script, args, { CLUSTER_ETCD_ARGS: etcdArgs });
  const stop = () => {
    kit('down', '--purge');
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const up = kit('up', String(members), '--base-port', String(await freeBasePort()));
    return { endpoints: endpointsOf(up), stop, kit };
  } catch (error) {
    stop();
    throw error;
  }
}

/** Starts etcd and the server; resolves to the function that stops both. */
export async function startHarness(): Promise<() => Promise<void>> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run 'make build' first`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'etcd-deck-e2e-'));
  process.env.ETCD_DECK_E2E_DATA_DIR = dataDir;
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      const killer = setTimeout(() => server!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    runKit(dataDir, 'down', ['--purge']);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const base = await freeBasePort();
    const endpoints = endpointsOf(cluster('up', '3', '--base-port', String(base)));
    process.env.ETCD_DECK_E2E_ENDPOINTS = endpoints;
    const started = await startServer({});
    server = started.process;
    process.env.ETCD_DECK_URL = started.url;
    return stop;
  } catch (error) {
    await stop();
    throw error;
  }
}
