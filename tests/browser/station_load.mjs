// Load measurement for vigil-station (issue 11: at least 50 browsers and 64 beds), run on
// demand, not in ctest (it loads a 2-core machine for minutes):
//   node tests/browser/station_load.mjs [PAGES] [SECONDS] [SPEED] [BROWSERS] [SOCKETS]
// defaults 50 pages, 240 s, 5x, 2 browser processes, 0 extra sockets. 64 simulated beds
// (vigil-gateway at SPEED, the engine on the stream clock); PAGES real Chromium pages, each
// in a browser context of its own (its own renderer), spread over BROWSERS headless
// Chromium processes; SOCKETS more WebSocket clients in this process that read everything
// as a page would (Node 20 needs `node --experimental-websocket` for them). At 5x, 240 s covers the first 20 simulated minutes:
// the desaturations, the BP climbs and their alarms' updates.
//
// Every page measures, to the frame after it drew an update (performance.timeOrigin +
// performance.now(); engine, station and browsers share this machine's clock):
//   engine-to-pixel: the engine's publication time (AlarmEvent/PatientStatus field 20),
//   receipt-to-pixel: the station's receipt time.
// Prints p50/p99 over all pages for alarms and statuses, the spread of the pages' p99, the
// station's counters, and the CPU and RSS of the station (and of the engine, for scale)
// over the measured time. Exits 1 if a page did not show every bed or a browser was dropped.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser, percentile, startEngine, startGateway, startStation, stats, stopAll, until, workDir } from './harness.mjs';

const [pages = 50, seconds = 240, speed = 5, browserCount = 2, sockets = 0] = process.argv.slice(2).map(Number);
const BEDS = 64;
const CLOCK_TICKS_PER_S = 100;  // Linux USER_HZ, the unit of /proc/PID/stat's times

// utime + stime in seconds, and the resident set now and at its peak, in MiB.
function processUse(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(status.match(new RegExp(`${name}:\\s+(\\d+) kB`))[1]);
  return { cpuS, rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

function summary(name, values) {
  if (!values.length) return `${name}: no samples`;
  return `${name}: ${values.length} samples, p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, ` +
         `max ${values.reduce((a, b) => Math.max(a, b), -Infinity).toFixed(1)} ms`;  // too many to spread
}

async function openPages(browsers, url) {
  const opened = [];
  for (let i = 0; i < pages; i += 1) {
    const context = await browsers[i % browsers.length].newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (error) => page.errors.push(error.message));
    await page.goto(url, { timeout: 120000 });  // the pages before it already load the machine
    opened.push(page);
  }
  return opened;
}

function openSockets(url) {
  const read = { messages: 0, alarmLatencies: [] };
  const clients = [];
  for (let i = 0; i < sockets; i += 1) {
    const ws = new WebSocket(url.replace('http', 'ws') + 'ws');
    ws.onmessage = (event) => {
      read.messages += 1;
      const message = JSON.parse(event.data);
      if (message.type === 'alarm' && Number(message.pub)) read.alarmLatencies.push(Date.now() - message.pub);
    };
    clients.push(ws);
  }
  return { read, clients };
}

const samples = (page) => page.evaluate(() => {
  const v = window.vigil;
  return { alarm: v.engineLatencies, status: v.engineStatusLatencies, alarmRx: v.latencies, statusRx: v.statusLatencies,
           tiles: document.querySelectorAll('section.tile').length, renders: v.renders, fulls: v.ward.fulls };
});

async function main() {
  const engine = await startEngine(path.join(workDir, 'vigil.db'));
  const gateway = startGateway(engine.endpoints.ingest, BEDS, speed);
  const station = await startStation(engine);
  const browsers = [];
  for (let i = 0; i < browserCount; i += 1) browsers.push(await launchBrowser());
  const opened = await openPages(browsers, station.url);
  const { read, clients } = openSockets(station.url);
  await until(`${BEDS} beds on every page`, 60000, async () =>
    (await Promise.all(opened.map((p) => p.locator('section.tile').count()))).every((n) => n === BEDS));

  // The measurement starts now, with every page showing the ward.
  await Promise.all(opened.map((p) => p.evaluate(() => {
    for (const name of ['latencies', 'statusLatencies', 'engineLatencies', 'engineStatusLatencies']) window.vigil[name].length = 0;
  })));
  const before = { station: processUse(station.process.pid), engine: processUse(engine.process.pid), at: Date.now() };
  const startedAt = Date.now();
  await until(`${seconds} s of load`, (seconds + 10) * 1000, async () => Date.now() - startedAt >= seconds * 1000);
  const after = { station: processUse(station.process.pid), engine: processUse(engine.process.pid), at: Date.now() };

  const perPage = await Promise.all(opened.map(samples));
  const all = (key) => perPage.flatMap((s) => s[key]);
  const counters = await stats(station);
  const wallS = (after.at - before.at) / 1000;
  const cpu = (name) => `${name} CPU ${(100 * (after[name].cpuS - before[name].cpuS) / wallS).toFixed(1)} % of one core, ` +
                        `RSS ${after[name].rssMiB.toFixed(1)} MiB (peak ${after[name].peakMiB.toFixed(1)} MiB)`;
  const pageP99 = perPage.map((s) => percentile(s.alarm, 99)).filter(Number.isFinite).sort((a, b) => a - b);

  console.log(`browsers: ${pages} Chromium pages in ${browserCount} browser processes` +
              `${sockets ? ` + ${sockets} WebSocket clients` : ''}; beds: ${BEDS}; simulator ${speed}x; ${seconds} s measured`);
  console.log(summary('alarm engine-to-pixel', all('alarm')));
  console.log(summary('status engine-to-pixel', all('status')));
  console.log(summary('alarm station-receipt-to-pixel', all('alarmRx')));
  console.log(summary('status station-receipt-to-pixel', all('statusRx')));
  if (pageP99.length) {
    console.log(`alarm engine-to-pixel p99 per page: best ${pageP99[0].toFixed(1)} ms, median ${percentile(pageP99, 50).toFixed(1)} ms, ` +
                `worst ${pageP99[pageP99.length - 1].toFixed(1)} ms`);
  }
  if (sockets) console.log(`${summary('alarm engine-to-socket-receipt', read.alarmLatencies)}; ${read.messages} messages read`);
  console.log(`${cpu('station')}; ${cpu('engine')}`);
  console.log(`renders per page: min ${Math.min(...perPage.map((s) => s.renders))}; full pictures per page: max ${Math.max(...perPage.map((s) => s.fulls))}`);
  console.log(`station counters: ${JSON.stringify(counters)}`);

  const problems = [];
  if (perPage.some((s) => s.tiles !== BEDS)) problems.push(`a page lost beds: ${perPage.map((s) => s.tiles).join(',')}`);
  if (counters.browsers_dropped_slow + counters.browsers_dropped_stuck > 0) problems.push('a browser was dropped');
  if (counters.browsers_connected < pages + sockets) problems.push(`only ${counters.browsers_connected} browsers connected`);
  if (!all('alarm').length) problems.push('no alarm was painted: run longer (SECONDS) or faster (SPEED)');
  const errors = opened.flatMap((p) => p.errors);
  if (errors.length) problems.push(`page errors: ${errors.slice(0, 3).join('; ')}`);
  for (const problem of problems) console.log(`PROBLEM: ${problem}`);
  if (problems.length) process.exitCode = 1;
  for (const ws of clients) ws.close();
  await gateway.kill();
}

try {
  await main();
} finally {
  await stopAll();
}
