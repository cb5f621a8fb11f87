#!/usr/bin/env node
// The `railconn` command of the npm package: finds the native binary in the
// per-platform package npm installed (one of the optionalDependencies, chosen
// by os, cpu and libc, the way esbuild and biome ship theirs) and runs it,
// passing arguments, the exit code and signals through. Nothing is
// downloaded here or at install time.
//
// `require("railconn").binaryPath()` returns the binary's path, for start
// commands that must `exec` it (railconn wait -- CMD) rather than run it
// under a Node parent.
"use strict";

const childProcess = require("child_process");
const fs = require("fs");
const path = require("path");

const platforms = require("../platforms.json");

// glibc or musl: npm picks the package by the `libc` field where it knows
// it (npm >= 10.4); older npm installs both, so the launcher decides too.
function linuxLibc() {
  // Alpine's ldd is musl's; glibc's mentions GNU. Reading a file is cheaper
  // than process.report, which detect-libc also tries first.
  try {
    const ldd = fs.readFileSync("/usr/bin/ldd", "utf8");
    if (ldd.includes("musl")) return "musl";
    if (ldd.includes("GNU C Library") || ldd.includes("GLIBC")) return "glibc";
  } catch (_) {
    // No ldd (distroless, scratch): ask Node how it was loaded.
  }
  try {
    if (process.report) {
      process.report.excludeNetwork = true;
      const report = process.report.getReport();
      const header = typeof report === "string" ? JSON.parse(report).header : report.header;
      return header.glibcVersionRuntime ? "glibc" : "musl";
    }
  } catch (_) {
    // Fall through to glibc, the common case.
  }
  return "glibc";
}

function platformEntry() {
  const libc = process.platform === "linux" ? linuxLibc() : undefined;
  return platforms.find(
    (p) => p.os === process.platform && p.cpu === process.arch && (p.libc === undefined || p.libc === libc),
  );
}

function binaryPath() {
  if (process.env.RAILCONN_BINARY) return process.env.RAILCONN_BINARY;
  const entry = platformEntry();
  if (!entry) {
    throw new Error(
      `railconn has no npm package for ${process.platform} ${process.arch}: ` +
        "install it with pip, cargo or the container image instead, or set RAILCONN_BINARY to a railconn binary",
    );
  }
  let manifest;
  try {
    manifest = require.resolve(`${entry.package}/package.json`);
  } catch (_) {
    throw new Error(
      `railconn: the package ${entry.package} is not installed. It is an optional dependency of railconn: ` +
        "reinstall without --no-optional / --omit=optional, and keep the lock file from dropping it " +
        "(a lock made on another platform can: run npm install once on this one)",
    );
  }
  return path.join(path.dirname(manifest), "bin", "railconn");
}

// Signals a terminal or a supervisor (docker stop, Railway) sends to this
// process go on to railconn, which prints what it has and exits 130/143.
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];

function run() {
  let binary;
  try {
    binary = binaryPath();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const child = childProcess.spawn(binary, process.argv.slice(2), { stdio: "inherit" });
  const handlers = FORWARDED.map((signal) => {
    const handler = () => child.kill(signal);
    process.on(signal, handler);
    return [signal, handler];
  });
  child.on("error", (error) => {
    process.stderr.write(`railconn: cannot run ${binary}: ${error.message}\n`);
    process.exit(error.code === "ENOENT" ? 127 : 126);
  });
  child.on("exit", (code, signal) => {
    for (const [name, handler] of handlers) process.removeListener(name, handler);
    if (signal) {
      // Die of the same signal, so our parent sees what railconn's would.
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code);
  });
}

module.exports = { binaryPath };

if (require.main === module) run();
