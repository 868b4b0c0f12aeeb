// Real processes for the browser tests: the engine, the simulated ward (vigil-gateway)
// and vigil-station, each on ephemeral loopback ports read back from its first stdout
// line, and Debian's Chromium driven by playwright-core. No sleeps: everything waits on a
// condition with a deadline.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const sourceDir = process.env.VIGIL_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const binaryDir = process.env.VIGIL_BINARY_DIR || path.join(sourceDir, 'build');
const { chromium } = require(path.join(sourceDir, 'node_modules/playwright-core'));

export const workDir = mkdtempSync(path.join(tmpdir(), 'vigil-station-test-'));
export const shotDir = path.join(binaryDir, 'tests/browser-screenshots');
mkdirSync(shotDir, { recursive: true });

const running = new Set();

export class Child {
  constructor(name, argv) {
    this.name = name;
    this.argv = argv;
    this.output = '';
    this.errors = '';
    this.exited = false;
    this.process = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exitedPromise = new Promise((resolve) => this.process.on('exit', (code, signal) => { this.exited = true; running.delete(this); resolve({ code, signal }); }));
    this.process.stdout.on('data', (chunk) => { this.output += chunk; });
    this.process.stderr.on('data', (chunk) => { this.errors = (this.errors + chunk).slice(-20000); });
    running.add(this);
  }

  // The first stdout line matching `pattern`, within `ms`.
  async line(pattern, ms) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.exited) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${this.name}: no line matching ${pattern} within ${ms} ms; stderr:\n${this.errors}`);
  }

  async kill(signal = 'SIGTERM') {
    if (this.exited) return;
    this.process.kill(signal);
    await this.exitedPromise;
  }
}

const browsers = new Set();

export async function stopAll() {
  await Promise.all([...browsers].map((browser) => browser.close().catch(() => {})));
  await Promise.all([...running].map((child) => child.kill('SIGKILL')));
}

// Runs `main(check)`. Each `await check(name, body)` prints "ok - name (ms)"; the first
// failure stops the run with the processes' logs; the run ends with "N passed, M failed".
export async function runChecks(main) {
  let passed = 0;
  const check = async (name, body) => {
    const started = Date.now();
    await body();
    passed += 1;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  };
  try {
    await main(check);
    console.log(`${passed} passed, 0 failed`);
  } catch (error) {
    console.error(`not ok - ${error.stack || error}`);
    console.log(`${passed} passed, 1 failed`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

const bin = (relative) => path.join(binaryDir, relative);

export async function startEngine(journal, endpoints = null, extra = []) {
  const ep = endpoints || { ingest: 'tcp://127.0.0.1:*', alerts: 'tcp://127.0.0.1:*', control: 'tcp://127.0.0.1:*' };
  const engine = new Child('engine', [bin('alarms/vigil-engine'), '--ingest', ep.ingest, '--alerts', ep.alerts,
    '--control', ep.control, '--clock', 'stream', '--journal', journal, ...extra]);
  const match = await engine.line(/listening ingest=(\S+) alerts=(\S+) control=(\S+)/, 15000);
  engine.endpoints = { ingest: match[1], alerts: match[2], control: match[3] };
  return engine;
}

export function startGateway(ingest, beds, speed, extra = []) {
  return new Child('gateway', [bin('streamer/vigil-gateway'), '--simulate', String(beds), '--speed', String(speed),
    '--connect', ingest, ...extra]);
}

export async function startStation(engine, listen = '127.0.0.1:0', extra = []) {
  const station = new Child('station', [bin('tools/vigil-station'), '--alerts', engine.endpoints.alerts,
    '--control', engine.endpoints.control, '--listen', listen, '--station', 'station-test', ...extra]);
  const match = await station.line(/vigil-station listening (https?:\/\/\S+)/, 15000);
  station.url = match[1];
  station.port = Number(new URL(station.url).port);
  return station;
}

export async function launchBrowser(extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', ...extraArgs],
  });
  browsers.add(browser);
  return browser;
}

export async function stats(station) {
  const response = await fetch(`${station.url}stats`);
  return response.json();
}

// Polls `probe` until it returns a truthy value, at most `ms`.
export async function until(what, ms, probe) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${ms} ms: ${what} (last: ${JSON.stringify(last)})`);
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
