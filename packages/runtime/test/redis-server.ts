/**
 * Real Redis servers for tests: `redis-server` on a free loopback port, with
 * its data in a temp folder, stopped (and the folder removed) by `stop()`.
 * Also pause/resume (SIGSTOP/SIGCONT), kill, and a 3-node Redis Cluster.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const exec = promisify(execFile);

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (with credentials when the server has a password). */
  readonly url: string;
  /** A test's own client (not the runtime's). */
  client(): Redis;
  pause(): void;
  resume(): void;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** `requirepass`; the url then carries `:password@`. */
  password?: string;
  /** More `redis-server` arguments (`--maxmemory`, `2mb`, ...). */
  args?: string[];
}

const running = new Set<RedisServer>();

/** Starts a redis-server on a free loopback port and waits until it answers. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "cachephant-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "no",
    ...(options.password !== undefined ? ["--requirepass", options.password] : []),
    ...(options.args ?? []),
  ];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (data) => (output += data));
  child.stderr.on("data", (data) => (output += data));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPort(port, child, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : "";
  const clients: Redis[] = [];
  const server: RedisServer = {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    client() {
      const client = new Redis({
        port,
        host: "127.0.0.1",
        password: options.password,
        lazyConnect: false,
        maxRetriesPerRequest: 1,
      });
      client.on("error", () => {});
      clients.push(client);
      return client;
    },
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    async kill() {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      running.delete(server);
      for (const client of clients.splice(0)) client.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** The URL of the first node: the runtime finds the others. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Three masters, no replicas, slots spread by `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes = await Promise.all(
    [0, 1, 2].map(() => startRedis({ args: ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"] })),
  );
  await exec("redis-cli", [
    "--cluster",
    "create",
    ...nodes.map((node) => `127.0.0.1:${node.port}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  ]);
  // Until every node agrees on the slots.
  for (const node of nodes) {
    const client = node.client();
    for (let i = 0; !/cluster_state:ok/.test(await client.cluster("INFO")); i++) {
      if (i > 200) throw new Error(`the cluster on ${node.port} did not become ready`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    client.disconnect();
  }
  return { nodes, url: nodes[0]!.url, stop: async () => void (await Promise.all(nodes.map((node) => node.stop()))) };
}

/** Fills `server` past a `maxmemory` that refuses writes (`noeviction`): every write is then an OOM error. */
export async function fillPastMaxmemory(server: RedisServer): Promise<void> {
  const client = server.client();
  await client.set("ballast", Buffer.alloc(3e6));
  await client.config("SET", "maxmemory", "2mb");
  await client.config("SET", "maxmemory-policy", "noeviction");
}

/** Stops every server still running (afterAll). */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

/** A loopback port nothing listens on (for "unreachable"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not listen on ${port}: ${output()}`);
}

/**
 * A loopback proxy to `redis` that SIGKILLs the server once 2 MB have gone
 * through in one direction (the server's `reply`, or the client's `request`).
 */
export async function killingProxy(redis: RedisServer, direction: "reply" | "request") {
  let bytes = 0;
  let killed = false;
  const sockets: Socket[] = [];
  const proxy: Server = createServer((client) => {
    const upstream = connect(redis.port, "127.0.0.1");
    sockets.push(client, upstream);
    const [from, to] = direction === "reply" ? [upstream, client] : [client, upstream];
    const [back, forth] = direction === "reply" ? [client, upstream] : [upstream, client];
    back.pipe(forth);
    from.on("data", (data: Buffer) => {
      to.write(data);
      bytes += data.length;
      if (bytes > 2e6 && !killed) {
        killed = true;
        void redis.kill().then(() => sockets.forEach((socket) => socket.destroy()));
      }
    });
    for (const socket of [client, upstream]) socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    port: (proxy.address() as { port: number }).port,
    killed: () => killed,
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      proxy.close();
    },
  };
}
