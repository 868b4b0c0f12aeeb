// Load measurement for vigil-station (issue 11: at least 50 browsers and 64 beds), run by
// hand, not in ctest (it loads a 2-core machine for minutes):
//   node --experimental-websocket tests/browser/station_load.mjs [PAGES] [SOCKETS] [SECONDS] [SPEED]
// PAGES real Chromium pages measure alarm receipt-at-the-station to the frame that shows
// it; SOCKETS WebSocket clients in this process read everything as a browser would and
// measure receipt-at-the-station to receipt. Prints p50/p99 and the station's counters.
import { launchBrowser, percentile, startEngine, startGateway, startStation, stats, stopAll, until, workDir } from './harness.mjs';
import path from 'node:path';

const [pages = 10, sockets = 40, seconds = 90, speed = 10] = process.argv.slice(2).map(Number);
const BEDS = 64;
let browser = null;

async function main() {
  const engine = await startEngine(path.join(workDir, 'vigil.db'));
  startGateway(engine.endpoints.ingest, BEDS, speed);
  const station = await startStation(engine);
  browser = await launchBrowser();
  const opened = [];
  for (let i = 0; i < pages; i += 1) {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(station.url);
    opened.push(page);
  }
  const socketLatencies = [];
  const socketMessages = { count: 0 };
  const clients = [];
  for (let i = 0; i < sockets; i += 1) {
    const ws = new WebSocket(station.url.replace('http', 'ws') + 'ws');
    ws.onmessage = (event) => {
      socketMessages.count += 1;
      const message = JSON.parse(event.data);
      if (message.type === 'alarm') socketLatencies.push(Date.now() - message.rx);
    };
    clients.push(ws);
  }
  await until(`${BEDS} beds on the first page`, 30000, async () => (await opened[0].locator('section.tile').count()) === BEDS);
  const started = Date.now();
  await until(`${seconds} s of load`, (seconds + 5) * 1000, async () => Date.now() - started >= seconds * 1000);
  const pageLatencies = (await Promise.all(opened.map((p) => p.evaluate(() => window.vigil.latencies)))).flat();
  const pageStatusLatencies = (await Promise.all(opened.map((p) => p.evaluate(() => window.vigil.statusLatencies)))).flat();
  const counters = await stats(station);
  console.log(`browsers: ${pages} Chromium pages + ${sockets} WebSocket clients = ${pages + sockets}; beds: ${BEDS}; ` +
              `simulator speed ${speed}x; ${seconds} s`);
  console.log(`alarm receipt-to-pixel (pages): ${pageLatencies.length} samples, p50 ${percentile(pageLatencies, 50)} ms, ` +
              `p99 ${percentile(pageLatencies, 99)} ms`);
  console.log(`status receipt-to-pixel (pages): ${pageStatusLatencies.length} samples, p50 ${percentile(pageStatusLatencies, 50)} ms, ` +
              `p99 ${percentile(pageStatusLatencies, 99)} ms`);
  console.log(`alarm receipt-to-receipt (sockets): ${socketLatencies.length} samples, p50 ${percentile(socketLatencies, 50)} ms, ` +
              `p99 ${percentile(socketLatencies, 99)} ms; ${socketMessages.count} messages read`);
  console.log(`station counters: ${JSON.stringify(counters)}`);
  for (const ws of clients) ws.close();
}

try {
  await main();
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopAll();
}
