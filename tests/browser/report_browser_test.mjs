// vigil-report's HTML page in a real browser (issue 14): a labelled ward made by
// vigil-scenario, reported on with vigil-report --html, opened from file:// in Debian's
// Chromium with every network request refused and counted. The page must need none, and
// its three plots must be drawn. The screenshot goes to build/tests/browser-screenshots/
// (and to docs/report.png with VIGIL_DOCS_SCREENSHOT=1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { binaryDir, launchBrowser, runChecks, shotDir, sourceDir, workDir } from './harness.mjs';

function run(program, args) {
  const result = spawnSync(path.join(binaryDir, 'tools', program), args, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `${program} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

await runChecks(async (check) => {
  const ward = path.join(workDir, 'ward.vrec');
  const labels = path.join(workDir, 'ward.json');
  const html = path.join(workDir, 'report.html');
  await check('vigil-scenario writes a labelled ward, vigil-report its page', async () => {
    run('vigil-scenario', ['--out', ward, '--labels', labels, '--patients', '12', '--hours', '2']);
    const text = run('vigil-report', [ward, '--labels', labels, '--html', html]);
    assert.match(text, /true events alarmed 24\/24/);
  });

  await check('bad input is refused with a reason and exit code 2', async () => {
    const notJson = path.join(workDir, 'not-labels.json');
    writeFileSync(notJson, '{"labels": [{"patient": 1}]');
    const bin = path.join(binaryDir, 'tools', 'vigil-report');
    const labelsRefused = spawnSync(bin, [ward, '--labels', notJson], { encoding: 'utf8' });
    assert.equal(labelsRefused.status, 2);
    assert.match(labelsRefused.stderr, /--labels .*not JSON/);
    const both = spawnSync(bin, [ward, '--journal', ward], { encoding: 'utf8' });
    assert.equal(both.status, 2);
    assert.match(both.stderr, /exactly one of INPUT or --journal/);
    const notAJournal = spawnSync(bin, ['--journal', labels], { encoding: 'utf8' });
    assert.equal(notAJournal.status, 1);
    assert.match(notAJournal.stderr, /vigil-report: .*ward\.json: /);
  });

  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const refused = [];
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith('file://')) return route.continue();
    refused.push(route.request().url());
    return route.abort();
  });
  await check('the page loads from file:// and asks the network for nothing', async () => {
    await page.goto(`file://${html}`);
    assert.deepEqual(refused, []);
  });
  await check('its three plots are drawn with content', async () => {
    const plots = await page.$$eval('svg', (svgs) => svgs.map((svg) => ({
      width: svg.getBoundingClientRect().width, shapes: svg.querySelectorAll('rect, polyline').length })));
    assert.equal(plots.length, 3);
    for (const plot of plots) {
      assert.ok(plot.width > 100, `a plot ${plot.width} px wide`);
      assert.ok(plot.shapes > 0, 'a plot with nothing drawn');
    }
    const heading = await page.textContent('h1');
    assert.equal(heading, `Alarm burden: ${path.basename(ward)}`, 'the file name heads the page, not where it lies');
  });
  await check('screenshot', async () => {
    const shot = path.join(shotDir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.VIGIL_DOCS_SCREENSHOT === '1') copyFileSync(shot, path.join(sourceDir, 'docs', 'report.png'));
  });
});
