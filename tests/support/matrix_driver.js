// The Node side of the differential matrix (tests/matrix.rs): one
// long-lived process that runs each case the way a small app does.
//
// Reads one JSON case per line on stdin: {"name", "driver", "url", "env"}.
// Writes one JSON line per case: {"name", "ok", "said"}. `ok` means the app
// works: it connected and ran `SELECT 1` ten times (postgres.js prepares a
// query with parameters and reuses the named statement from the second
// run, so a transaction pooler's failure shows), or PING answered, or the
// JWT was signed and verified.
//
// `env` is set in process.env for the case and removed after it (pg reads
// PGSSLMODE and friends when a Client is made). NODE_EXTRA_CA_CERTS is read
// once, when Node starts: the test starts one process per value of it.
const readline = require("readline");

const QUERIES = 10;
// Each driver's own connect timeout; a whole case (connect and queries)
// gets twice as long, so a loaded CI machine does not turn a slow pass into
// a failure.
const TIMEOUT_MS = 10000;

async function nodePg(url) {
  const { Client } = require("pg");
  const client = new Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  client.on("error", () => {});
  try {
    await client.connect();
    for (let i = 0; i < QUERIES; i += 1) {
      await client.query("SELECT 1");
    }
  } finally {
    client.end().catch(() => {});
  }
}

async function postgresJs(url) {
  // postgres 4 is an ES module: require() returns its namespace.
  const postgres = require("postgres").default;
  const sql = postgres(url, { max: 1, connect_timeout: TIMEOUT_MS / 1000, onnotice: () => {} });
  try {
    for (let i = 0; i < QUERIES; i += 1) {
      await sql`SELECT ${1}::int AS one`;
    }
  } finally {
    sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function mysql2(url) {
  // A URL string goes through mysql2's ConnectionConfig.parseUrl, as
  // mysql.createConnection(process.env.DATABASE_URL) does in an app.
  const mysql = require("mysql2/promise");
  const conn = await mysql.createConnection(url);
  try {
    for (let i = 0; i < QUERIES; i++) {
      await conn.query("SELECT 1");
    }
  } finally {
    await conn.end();
  }
}

async function ioredis(url) {
  const Redis = require("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: TIMEOUT_MS,
  });
  let seen = null;
  client.on("error", (e) => {
    seen = seen || e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw seen || e;
  } finally {
    client.disconnect();
  }
}

async function nodeRedis(url) {
  const { createClient } = require("redis");
  const client = createClient({
    url,
    socket: { connectTimeout: TIMEOUT_MS, reconnectStrategy: false },
  });
  let seen = null;
  client.on("error", (e) => {
    seen = seen || e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw seen || e;
  } finally {
    client.destroy();
  }
}

// An amqplib app: connect (the URL read by amqplib), open a channel.
async function amqplib(url) {
  const amqp = require("amqplib");
  const conn = await amqp.connect(url, { timeout: TIMEOUT_MS });
  try {
    await conn.createChannel();
  } finally {
    await conn.close().catch(() => {});
  }
}

// As tests/jwt/app.js: the settings straight from the environment.
async function jsonwebtoken() {
  const jwt = require("jsonwebtoken");
  const env = process.env;
  const first = (...names) => names.map((n) => env[n]).find((v) => v !== undefined);
  const algorithm = first("JWT_ALGORITHM", "ALGORITHM") || "HS256";
  const hmac = algorithm.startsWith("HS");
  const key = hmac ? first("JWT_SECRET_KEY", "JWT_SECRET", "SECRET_KEY") : env.JWT_PRIVATE_KEY;
  const verify = hmac ? key : env.JWT_PUBLIC_KEY;
  const token = jwt.sign({ sub: "app" }, key, { algorithm, expiresIn: 900 });
  if (verify !== undefined) {
    jwt.verify(token, verify, { algorithms: [algorithm] });
  }
}

const DRIVERS = {
  node_pg: nodePg,
  postgresjs: postgresJs,
  mysql2,
  ioredis,
  node_redis: nodeRedis,
  amqplib,
  jsonwebtoken,
};

function withTimeout(promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out (matrix)")), 2 * TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function one(c) {
  const saved = {};
  for (const [k, v] of Object.entries(c.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    await withTimeout(DRIVERS[c.driver](c.url));
    return { ok: true, said: "" };
  } catch (e) {
    const said = `${e.name || "Error"}: ${e.code ? `${e.code} ` : ""}${e.message}`;
    return { ok: false, said: said.replace(/\n/g, " ").slice(0, 300) };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const c = JSON.parse(line);
    const started = Date.now();
    const result = await one(c);
    const ms = Date.now() - started;
    process.stdout.write(`${JSON.stringify({ name: c.name, ms, ...result })}\n`);
  }
  process.exit(0);
}

// A driver's late socket error must not end the run.
process.on("uncaughtException", () => {});
process.on("unhandledRejection", () => {});
main();
