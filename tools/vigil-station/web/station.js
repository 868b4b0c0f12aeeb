// Vigil nurse station page. Follows vigil-station over one WebSocket: a full picture on
// connect (and after any resync), then alarm, advice and status updates and a link report
// twice a second. Nothing here may look live when it is not: no message for 3 s is
// CONNECTION LOST, an engine heartbeat missing for 3 s is ENGINE SILENT, both full-screen.
'use strict';

const PRIORITY_RANK = { PRIORITY_HIGH: 3, PRIORITY_MEDIUM: 2, PRIORITY_LOW: 1, PRIORITY_NONE: 0 };
const PRIORITY_WORD = { 3: 'HIGH', 2: 'MEDIUM', 1: 'LOW', 0: 'NONE' };
const MARKER = { 3: '***', 2: '**', 1: '*', 0: '' };
const BAND_RANK = { NEWS2_HIGH: 5, NEWS2_MEDIUM: 4, NEWS2_LOW_MEDIUM: 3, NEWS2_LOW: 2, NEWS2_ZERO: 1, NEWS2_UNKNOWN: 0 };
const ADVICE_WORDS = {
  ADVICE_HOLD: 'HOLD: do not increase the dose',
  ADVICE_REDUCE: 'REDUCE the rate',
  ADVICE_PAUSE: 'PAUSE the infusion',
  ADVICE_STOP_AND_CALL: 'STOP the infusion and CALL the clinician',
  ADVICE_RESUME_POSSIBLE: 'RESUME possible',
};
const METRIC_LABEL = { HR: 'HR', SPO2: 'SpO\u2082', RR: 'RR', ETCO2: 'EtCO\u2082', SBP: 'SBP', DBP: 'DBP', TEMP: 'Temp', PULSE: 'Pulse', MAP: 'MAP' };
const UNIT_LABEL = { 'mm[Hg]': 'mmHg', Cel: '\u00b0C', '/min': '/min', '%': '%' };
// Values older than this look stale; the NIBP cuff measures every few minutes.
const STALE_MS = { SBP: 15 * 60000, DBP: 15 * 60000, MAP: 15 * 60000, TEMP: 30 * 60000 };
const STALE_DEFAULT_MS = 30000;
const AUDIO_PAUSE_MS = 120000;
const MAX_ALARMS_SHOWN = 2;
const MAX_ALARMS_SHOWN_SMALL = 1;  // a big ward's tiles show the most urgent alarm in full
const SILENT_PAGE_MS = 3000;       // no message from the station this long: CONNECTION LOST
const REQUEST_PAGE_TIMEOUT_MS = 6000;

const ward = {
  alarms: new Map(), advice: new Map(), statuses: new Map(),
  link: null, linkAt: 0, lastMessageAt: 0, socket: null, open: false, reconnectDelay: 500,
  pending: new Map(), nextRequestId: 1, tiles: new Map(), renderQueued: false, fulls: 0,
  // Beds whose tile is filled again at the next frame, or all of them: a 64-bed ward gets
  // hundreds of statuses a second, and 50 screens on one machine cannot refill every tile
  // every frame.
  dirty: new Set(), refillAll: true,
};
// For the tests and the latency measurement, in ms, to the frame after the page drew an
// update: from its receipt at the station (latencies, statusLatencies) and from its
// publication by the engine (engineLatencies, engineStatusLatencies; the engine, the station
// and this page on one machine share the wall clock).
window.vigil = { ward, latencies: [], statusLatencies: [], engineLatencies: [], engineStatusLatencies: [], renders: 0 };

const $ = (id) => document.getElementById(id);
const num = (text) => Number(text || 0);
const escapeHtml = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function engineNow() {
  if (!ward.link || !num(ward.link.engineTimeMs)) return Date.now();
  return num(ward.link.engineTimeMs);
}

function formatClock(ms) {
  const d = new Date(ms);
  return d.toTimeString().slice(0, 8);
}

function formatAge(ms) {
  if (ms < 60000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (ms < 3600000) return `${Math.round(ms / 60000)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

// ---- connection ----------------------------------------------------------------------

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const socket = new WebSocket(url);
  ward.socket = socket;
  socket.onopen = () => { ward.open = true; ward.reconnectDelay = 500; ward.lastMessageAt = Date.now(); };
  socket.onmessage = (event) => { ward.lastMessageAt = Date.now(); receive(JSON.parse(event.data)); };
  socket.onclose = () => {
    if (ward.socket !== socket) return;
    ward.open = false;
    failPending('the connection to the station closed');
    showLinkState();
    checkSignedIn();
    setTimeout(connect, ward.reconnectDelay);
    ward.reconnectDelay = Math.min(ward.reconnectDelay * 2, 4000);
  };
}

function receive(message) {
  switch (message.type) {
    case 'full': return takeFull(message);
    case 'alarm': return takeUpdate(ward.alarms, message);
    case 'advice': return takeUpdate(ward.advice, message);
    case 'status': return takeUpdate(ward.statuses, message);
    case 'link': ward.link = message.link; ward.linkAt = Date.now(); return showLinkState();
    case 'reply': return takeReply(message);
  }
}

function takeFull(message) {
  ward.fulls += 1;
  ward.alarms = new Map(message.alarms.map((a) => [a.alertId, a]));
  ward.advice = new Map(message.advice.map((a) => [a.patientId, a]));
  ward.statuses = new Map(message.statuses.map((s) => [s.patientId, s]));
  ward.link = message.link;
  ward.linkAt = Date.now();
  ward.refillAll = true;
  showLinkState();
  queueRender(null);
}

function takeUpdate(map, message) {
  const patientId = message.data?.patientId ?? map.get(message.key)?.patientId;  // a removal has no data
  if (patientId) ward.dirty.add(patientId); else ward.refillAll = true;
  if (message.removed) map.delete(message.key); else map.set(message.key, message.data);
  queueRender(message);
}

// ---- requests through the engine's control socket -------------------------------------

function sendRequest(payload, what, button) {
  if (!ward.open) { notice(`NOT SENT: ${what}: no connection to the station`, true); return; }
  const id = ward.nextRequestId++;
  const nurse = $('nurse').value.trim();
  const timer = setTimeout(() => finishRequest(id, false, `no reply from the station within ${REQUEST_PAGE_TIMEOUT_MS / 1000} s`, 0), REQUEST_PAGE_TIMEOUT_MS);
  ward.pending.set(id, { what, button, timer });
  if (button) { button.disabled = true; button.dataset.label = button.textContent; button.textContent = 'sending\u2026'; }
  ward.socket.send(JSON.stringify({ ...payload, id, nurse }));
  notice(`sending: ${what}`, false);
}

function takeReply(message) {
  if (message.trend) showTrend(message.trend);
  finishRequest(message.id, message.ok, message.error, message.tookMs);
}

function finishRequest(id, ok, error, tookMs) {
  const pending = ward.pending.get(id);
  if (!pending && id) return;
  ward.pending.delete(id);
  if (pending) {
    clearTimeout(pending.timer);
    if (pending.button) { pending.button.disabled = false; pending.button.textContent = pending.button.dataset.label; }
  }
  const what = pending ? pending.what : 'request';
  if (ok) notice(`done: ${what} (${tookMs} ms)`, false);
  else notice(`FAILED: ${what}: ${error}`, true);
}

function failPending(why) {
  for (const id of [...ward.pending.keys()]) finishRequest(id, false, why, 0);
}

function notice(text, bad) {
  const box = $('notice');
  box.hidden = false;
  box.textContent = text;
  box.style.color = bad ? '#ff5050' : '#ffd400';
}

// ---- link state: nothing may look live when it is not ---------------------------------

function showLinkState() {
  const label = $('link-state');
  const overlay = $('overlay');
  const lost = !ward.open || Date.now() - ward.lastMessageAt > SILENT_PAGE_MS;
  const silent = !lost && ward.link && ward.link.silent;
  if (lost) {
    label.textContent = 'CONNECTION LOST'; label.className = 'link-down';
    $('overlay-title').textContent = 'CONNECTION LOST';
    $('overlay-detail').textContent = 'This screen has lost the nurse station server. It reconnects by itself; until then nothing shown here is current.';
  } else if (silent) {
    label.textContent = 'ENGINE SILENT'; label.className = 'link-down';
    $('overlay-title').textContent = 'ENGINE SILENT';
    $('overlay-detail').textContent = `No heartbeat from the alarm engine for ${Math.round(ward.link.quietMs / 1000)} s. Alarms are NOT being monitored. Check the patients directly.`;
  } else if (ward.link && ward.link.live) {
    label.textContent = 'LIVE'; label.className = 'link-live';
  } else {
    label.textContent = 'CONNECTING'; label.className = 'link-wait';
  }
  overlay.hidden = !(lost || silent);
  document.body.classList.toggle('not-live', Boolean(lost || silent));
  if (ward.link) {
    $('station-name').textContent = `${ward.link.unit ? ward.link.unit.toUpperCase() : 'All units'} \u2014 ${ward.link.station}`;
    $('clock').textContent = formatClock(engineNow());
  }
  updateCountdowns();
}

// ---- the ward -------------------------------------------------------------------------

function alarmRank(alarm) { return PRIORITY_RANK[alarm.priority] ?? 3; }  // unknown: shown as HIGH
function sounding(alarm) { return !alarm.inactivation || alarm.inactivation === 'INACTIVATION_ENABLED'; }

function bedsInOrder() {
  const beds = new Map();
  const bed = (id, unit) => {
    if (!beds.has(id)) beds.set(id, { id, unit, alarms: [], status: null, advice: null });
    return beds.get(id);
  };
  for (const status of ward.statuses.values()) bed(status.patientId, status.unit).status = status;
  for (const alarm of ward.alarms.values()) bed(alarm.patientId, alarm.unit).alarms.push(alarm);
  for (const advice of ward.advice.values()) bed(advice.patientId, advice.unit).advice = advice;
  for (const b of beds.values()) {
    b.alarms.sort((x, y) => alarmRank(y) - alarmRank(x) || num(x.startTimeMs) - num(y.startTimeMs));
    b.rank = b.alarms.length ? alarmRank(b.alarms[0]) : -1;
    b.sounding = b.alarms.some(sounding);
    b.band = BAND_RANK[b.status?.news2?.band] ?? 0;
  }
  // The most urgent first: a sounding HIGH alarm, then by priority, NEWS2, then bed.
  return [...beds.values()].sort((x, y) => y.rank - x.rank || Number(y.sounding) - Number(x.sounding) ||
                                            y.band - x.band || x.id.localeCompare(y.id));
}

// `update`: the alarm or status message being drawn, whose times are measured to the
// pixel; null for a redraw of its own.
function queueRender(update) {
  if (update && (update.type === 'alarm' || update.type === 'status')) (ward.pendingTimes ||= []).push(update);
  if (ward.renderQueued) return;
  ward.renderQueued = true;
  requestAnimationFrame(() => {
    ward.renderQueued = false;
    render();
    const drawn = ward.pendingTimes || [];
    ward.pendingTimes = [];
    // The frame after the DOM change is the one that shows it.
    if (drawn.length) requestAnimationFrame(() => recordLatencies(drawn, performance.timeOrigin + performance.now()));
  });
}

function recordLatencies(drawn, paintedMs) {
  const v = window.vigil;
  for (const update of drawn) {
    const alarm = update.type === 'alarm';
    record(alarm ? v.latencies : v.statusLatencies, update.rx, paintedMs);
    record(alarm ? v.engineLatencies : v.engineStatusLatencies, update.pub, paintedMs);
  }
}

function record(latencies, sinceMs, paintedMs) {
  if (!num(sinceMs)) return;  // 0: the engine did not stamp it
  latencies.push(paintedMs - num(sinceMs));
  if (latencies.length > 20000) latencies.splice(0, latencies.length - 15000);  // bounded, in a page open for days
}

function render() {
  window.vigil.renders += 1;
  const beds = bedsInOrder();
  const main = $('ward');
  const columns = beds.length <= 6 ? 3 : beds.length <= 12 ? 4 : beds.length <= 20 ? 5 : 6;
  const size = beds.length > 12 ? 'small' : 'large';
  if (main.dataset.size !== size) {
    main.dataset.size = size;
    ward.refillAll = true;  // a small tile shows fewer alarms
  }
  main.style.setProperty('--tile-width', `${Math.floor(1880 / columns) - 12}px`);
  const seen = new Set();
  beds.forEach((bed, index) => {
    seen.add(bed.id);
    let tile = ward.tiles.get(bed.id);
    if (!tile) { tile = makeTile(bed.id); ward.tiles.set(bed.id, tile); }
    if (ward.refillAll || ward.dirty.has(bed.id) || !tile.bed) fillTile(tile, bed);
    tile.bed = bed;  // what a click acts on
    if (main.children[index] !== tile.root) main.insertBefore(tile.root, main.children[index] || null);
  });
  ward.dirty.clear();
  ward.refillAll = false;
  for (const [id, tile] of ward.tiles) {
    if (!seen.has(id)) { tile.root.remove(); ward.tiles.delete(id); }
  }
  const alarmsNow = beds.reduce((n, b) => n + b.alarms.length, 0);
  $('alarm-count').textContent = `${beds.length} beds \u2022 ${alarmsNow} alarm${alarmsNow === 1 ? '' : 's'}`;
  showHiddenAlarms(beds);
  updateCountdowns();
}

function makeTile(id) {
  const root = document.createElement('section');
  root.className = 'tile';
  root.dataset.bed = id;
  root.innerHTML = '<div class="tile-head"></div><div class="alarms"></div><div class="vitals"></div>' +
                   '<div class="infusion"></div><div class="conc"></div><div class="advice"></div><div class="tile-actions"></div>';
  const part = (name) => root.querySelector(`.${name}`);
  const tile = { root, head: part('tile-head'), alarms: part('alarms'), vitals: part('vitals'), infusion: part('infusion'),
                 conc: part('conc'), advice: part('advice'), actions: part('tile-actions'), html: {} };
  root.addEventListener('click', (event) => onTileClick(event, tile));
  return tile;
}

// Only the parts whose text changed are rewritten: buttons keep focus and the flashing
// keeps its rhythm.
function setPart(tile, name, html) {
  if (tile.html[name] === html) return;
  tile.html[name] = html;
  tile[name].innerHTML = html;
}

function fillTile(tile, bed) {
  const top = bed.alarms[0];
  const quiet = top && !bed.alarms.some(sounding);
  tile.root.className = `tile${top ? ` p-${PRIORITY_WORD[bed.rank]}` : ''}${quiet ? ' quiet' : ''}`;
  tile.bed = bed;
  const news2 = bed.status?.news2;
  const band = (news2?.band || 'NEWS2_UNKNOWN').replace('NEWS2_', '');
  const news2Text = band === 'UNKNOWN' ? 'NEWS2 ?' : `NEWS2 ${news2.total || 0}`;
  setPart(tile, 'head', `<span class="bed">${escapeHtml(bed.id)}</span><span class="news2 b-${band}" title="NEWS2 band ${band}">${news2Text} ${band === 'UNKNOWN' ? '' : band.replace('_', '-')}</span>`);
  fillAlarms(tile, bed.alarms);
  setPart(tile, 'vitals', vitalsHtml(bed.status));
  setPart(tile, 'infusion', infusionHtml(bed.status));
  setPart(tile, 'conc', concentrationHtml(bed.status));
  setPart(tile, 'advice', adviceHtml(bed.advice));
  tile.advice.className = `advice${bed.advice ? ` a-${(bed.advice.advice?.action || '').replace('ADVICE_', '')}` : ''}`;
  tile.advice.hidden = !bed.advice;
  setPart(tile, 'actions', `<button data-action="pause" ${bed.alarms.length ? '' : 'disabled'}>Audio pause 2:00</button><button data-action="entry">Nurse entry</button><button data-action="detail">Trend 4 h</button>`);
}

function metricLabel(metric) { return METRIC_LABEL[metric] || metric; }

function valueAgainstLimit(alarm) {
  const t = alarm.trigger;
  if (!t || !t.metric) return '';
  return `${metricLabel(t.metric)} ${round(t.value || 0, 1)} ${(t.limit || '').split(' (')[0]}`;
}

// One row per alarm, kept while the alarm lives: its value changes many times a second in
// a fast replay, and a row made anew each time would move the ACK button under the
// nurse's finger and restart the flashing.
function alarmStates(alarm) {
  const states = [];
  if (alarm.state === 'STATE_LATCHED') states.push('LATCHED');
  if (alarm.inactivation === 'INACTIVATION_ACKNOWLEDGED') {
    states.push(`ACK by ${escapeHtml(alarm.acknowledgedBy || '?')} ${alarm.acknowledgedTimeMs ? formatClock(num(alarm.acknowledgedTimeMs)) : ''}`);
  }
  if (alarm.inactivation === 'INACTIVATION_AUDIO_PAUSED') {
    states.push(`AUDIO PAUSED <span class="countdown" data-paused-at="${num(alarm.eventTimeMs)}"></span>`);
  }
  return states.join(' \u2022 ');
}

function makeAlarmRow(alertId) {
  const row = document.createElement('div');
  row.dataset.alert = alertId;
  row.innerHTML = '<span class="marker"></span><span class="text"><span class="title"></span> <span class="against"></span></span>' +
                  `<span class="state"></span><button data-action="ack" data-alert="${escapeHtml(alertId)}">ACK</button>`;
  // The page-wide flashing rhythm, whenever the row appears.
  row.style.animationDelay = `-${Date.now() % 1600}ms`;
  row.parts = { marker: row.querySelector('.marker'), title: row.querySelector('.title'), against: row.querySelector('.against'),
                state: row.querySelector('.state'), ack: row.querySelector('button') };
  row.shown = {};
  return row;
}

function setIfChanged(row, name, value, asHtml) {
  if (row.shown[name] === value) return;
  row.shown[name] = value;
  if (asHtml) row.parts[name].innerHTML = value; else row.parts[name].textContent = value;
}

function fillAlarmRow(row, alarm) {
  const rank = alarmRank(alarm);
  const acked = alarm.inactivation === 'INACTIVATION_ACKNOWLEDGED';
  const paused = alarm.inactivation === 'INACTIVATION_AUDIO_PAUSED';
  const className = `alarm p-${PRIORITY_WORD[rank]}${acked ? ' acked' : ''}${paused ? ' paused' : ''}`;
  if (row.className !== className) row.className = className;
  setIfChanged(row, 'marker', MARKER[rank]);
  setIfChanged(row, 'title', alarm.title || alarm.condition);
  setIfChanged(row, 'against', valueAgainstLimit(alarm));
  setIfChanged(row, 'state', alarmStates(alarm), true);
  row.parts.ack.hidden = acked;
}

function fillAlarms(tile, alarms) {
  const rows = tile.alarmRows || (tile.alarmRows = new Map());
  const limit = $('ward').dataset.size === 'small' ? MAX_ALARMS_SHOWN_SMALL : MAX_ALARMS_SHOWN;
  const shown = alarms.slice(0, limit);
  const keep = new Set(shown.map((a) => a.alertId));
  for (const [id, row] of rows) if (!keep.has(id)) { row.remove(); rows.delete(id); }
  shown.forEach((alarm, index) => {
    let row = rows.get(alarm.alertId);
    if (!row) { row = makeAlarmRow(alarm.alertId); rows.set(alarm.alertId, row); }
    fillAlarmRow(row, alarm);
    if (tile.alarms.children[index] !== row) tile.alarms.insertBefore(row, tile.alarms.children[index] || null);
  });
  // The two most urgent in full, the rest named: six beds fit one screen.
  const rest = alarms.slice(limit);
  let more = tile.alarms.querySelector('.more-alarms');
  if (!rest.length) { if (more) more.remove(); return; }
  if (!more) { more = document.createElement('div'); more.className = 'more-alarms'; }
  if (tile.alarms.lastChild !== more) tile.alarms.appendChild(more);
  const text = `+ ${rest.length} more: ${rest.map((a) => `${MARKER[alarmRank(a)]} ${a.title}`).join(', ')}`;
  if (more.textContent !== text) more.textContent = text;
}

function latestByMetric(status) {
  const values = {};
  for (const v of status?.latest || []) values[v.metric] = v;
  return values;
}

function vitalHtml(label, value, unit, timeMs, metric) {
  if (value === null) return `<div class="vital none"><span class="label">${label}</span><span class="value">--</span></div>`;
  const age = engineNow() - timeMs;
  const stale = age > (STALE_MS[metric] ?? STALE_DEFAULT_MS);
  const showAge = stale || age > 10000;
  return `<div class="vital${stale ? ' stale' : ''}" data-metric="${metric}"><span class="label">${label} <span class="unit">${unit}</span></span>` +
         `<span class="value">${value}</span>` +
         (showAge ? `<span class="age">${formatAge(age)} ago</span>` : '') + '</div>';
}

function vitalsHtml(status) {
  const v = latestByMetric(status);
  const one = (metric, digits = 0) => {
    const value = v[metric];
    return vitalHtml(metricLabel(metric), value ? round(value.value, digits) : null, value ? (UNIT_LABEL[value.unit] ?? value.unit) : '',
                     value ? num(value.timeMs) : 0, metric);
  };
  const bp = v.SBP && v.DBP ? `${Math.round(v.SBP.value)}/${Math.round(v.DBP.value)}` : null;
  return one('HR') + one('SPO2') + vitalHtml('BP', bp, 'mmHg', v.SBP ? num(v.SBP.timeMs) : 0, 'SBP') +
         one('RR') + one('ETCO2') + one('TEMP', 1);
}

const PUMP_WORD = { PUMP_RUNNING: 'RUNNING', PUMP_PAUSED: 'PAUSED', PUMP_STOPPED: 'STOPPED', PUMP_ALARM: 'PUMP ALARM' };

// Drug, the rate in both units, the pump's state and how long since the rate last changed
// (a step up or down, a pause or a restart), counted on the engine's clock.
function infusionHtml(status) {
  const dose = status?.dose;
  if (!dose) return 'Infusion: no pump data';
  const drug = dose.drug ? escapeHtml(dose.drug[0].toUpperCase() + dose.drug.slice(1)) : 'Infusion';
  const ml = dose.rateMlPerH ? ` \u2022 ${round(dose.rateMlPerH, 1)} mL/h` : '';
  const rate = dose.infusionRunning ? `${round(dose.rateMgPerKgPerH || 0, 3)} mg/kg/h${ml}` : 'not running';
  const state = PUMP_WORD[dose.pumpState] || (dose.infusionRunning ? 'RUNNING' : '');
  const stateHtml = state ? ` <span class="pump-state s-${state.replace(' ', '-')}">${state}</span>` : '';
  const changedMs = num(dose.lastChangeTimeMs);
  const change = changedMs ? `rate changed ${Math.max(0, Math.floor((engineNow() - changedMs) / 60000))} min ago` : 'no rate change yet';
  return `${drug} <b>${rate}</b>${stateHtml} <span class="since">\u2022 ${change}</span>`;
}

function concentrationHtml(status) {
  const dose = status?.dose;
  if (!dose) return '';
  return `Cp ${round(dose.cpUgPerMl || 0, 3)} \u00b5g/mL \u2022 Ce ${round(dose.ceUgPerMl || 0, 3)} \u00b5g/mL`;
}

function adviceHtml(advice) {
  if (!advice) return '';
  const a = advice.advice || {};
  const words = ADVICE_WORDS[a.action] || a.action;
  let target = '';
  if (a.targetRateMgPerKgPerH) target = ` to ${round(a.targetRateMgPerKgPerH, 3)} mg/kg/h${a.targetRateMlPerH ? ` (${round(a.targetRateMlPerH, 1)} mL/h)` : ''}`;
  return `<span class="action">${escapeHtml(words)}${target}</span><div class="reason">${escapeHtml(a.reason || '')}</div>`;
}

// The most urgent bed is never off screen: alarming beds scrolled out of view are listed.
function showHiddenAlarms(beds) {
  const hidden = beds.filter((b) => b.rank >= 1 && ward.tiles.get(b.id)?.root.getBoundingClientRect().top > window.innerHeight - 40);
  const banner = $('hidden-banner');
  banner.hidden = hidden.length === 0;
  banner.textContent = hidden.length ? `ALARMS OFF SCREEN: ${hidden.map((b) => `${b.id} (${PRIORITY_WORD[b.rank]})`).join(', ')}` : '';
}

function updateCountdowns() {
  const now = engineNow();
  for (const span of document.querySelectorAll('.countdown[data-paused-at]')) {
    const left = Math.max(0, AUDIO_PAUSE_MS - (now - Number(span.dataset.pausedAt)));
    const seconds = Math.ceil(left / 1000);
    span.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }
}

// ---- nurse actions --------------------------------------------------------------------

function onTileClick(event, tile) {
  const button = event.target.closest('button');
  if (!tile.bed) return;
  const bed = tile.bed;
  if (!button) { openDetail(bed.id); return; }  // anywhere else on the tile: the bed's detail
  if (button.dataset.action === 'ack') {
    const alarm = ward.alarms.get(button.dataset.alert);
    sendRequest({ type: 'ack', alertId: button.dataset.alert }, `acknowledge ${bed.id} ${alarm ? alarm.title : ''}`, button);
  } else if (button.dataset.action === 'pause') {
    sendRequest({ type: 'pause', patientId: bed.id, unit: bed.unit }, `audio pause ${bed.id}`, button);
  } else if (button.dataset.action === 'entry') {
    openEntry(bed);
  } else if (button.dataset.action === 'detail') {
    openDetail(bed.id);
  }
}

let entryBed = null;
function openEntry(bed) {
  entryBed = bed;
  $('entry-title').textContent = `Nurse entry \u2014 ${bed.id}`;
  showEntryFields();
  $('entry-dialog').showModal();
}

function showEntryFields() {
  const kind = $('entry-kind').value;
  for (const label of document.querySelectorAll('#entry-form label[data-for]')) {
    label.hidden = !label.dataset.for.split(' ').includes(kind);
  }
}

function entryEvent(kind) {
  const event = { patientId: entryBed.id, unit: entryBed.unit, kind, note: $('entry-note').value };
  if (kind === 'SEDATION_SCORE') event.rassScore = Number($('entry-rass').value);
  if (['HALLUCINATION', 'DYSPHORIA', 'NIGHTMARE', 'NAUSEA', 'VOMITING'].includes(kind)) event.severity = $('entry-severity').value;
  if (kind === 'CONSCIOUSNESS') event.acvpu = $('entry-acvpu').value;
  if (kind === 'SUPPLEMENTAL_OXYGEN') event.oxygenLPerMin = Number($('entry-oxygen').value);
  if (kind === 'SPO2_SCALE_2') event.enabled = $('entry-scale2').checked;
  return event;
}

function onEntryClosed() {
  if ($('entry-dialog').returnValue !== 'send' || !entryBed) return;
  const kind = $('entry-kind').value;
  sendRequest({ type: 'entry', event: entryEvent(kind) }, `${kind.toLowerCase().replace(/_/g, ' ')} for ${entryBed.id}`, null);
}

// ---- a bed's detail: the engine's last 4 h, so a station opened late shows them too ----

const TREND_REFRESH_MS = 15000;
const detail = { bed: null, plots: [], trend: null, doseSteps: [], timer: null };
window.vigil.detail = detail;

function openDetail(bedId) {
  detail.bed = bedId;
  $('detail-title').textContent = `${bedId} — last 4 h`;
  $('detail-span').textContent = 'asking the engine…';
  if (!$('detail-dialog').open) $('detail-dialog').showModal();
  requestTrend();
  clearInterval(detail.timer);
  detail.timer = setInterval(requestTrend, TREND_REFRESH_MS);
}

function requestTrend() {
  if (detail.bed) sendRequest({ type: 'trend', patientId: detail.bed }, `trend of ${detail.bed}`, null);
}

function onDetailClosed() {
  clearInterval(detail.timer);
  detail.bed = null;
}

// Protobuf's JSON: 64-bit integers and NaN come as strings; an empty column is left out.
const column = (values) => (values || []).map((v) => (v === 'NaN' || v === null ? null : Number(v)));

function showTrend(trend) {
  if (!detail.bed || trend.patientId !== detail.bed) return;  // a late answer for a bed no longer shown
  const times = column(trend.timeMs).map((ms) => ms / 1000);
  const rate = column(trend.rateMgPerKgPerH);
  detail.trend = trend;
  detail.doseSteps = doseSteps(times, rate);
  const alarms = trend.alarms || [];
  const marks = [...detail.doseSteps.map((step) => ({ t: step.t, colour: '#ffffff', dash: [12, 8] })),
                 ...alarms.map((a) => ({ t: num(a.startTimeMs) / 1000, colour: PRIORITY_COLOUR[a.priority] || '#ff2020', dash: [] }))];
  const width = Math.min(1800, window.innerWidth - 80);
  for (const plot of detail.plots) plot.destroy();
  detail.plots = [
    vitalsPlot(times, trend, width, marks),
    dosePlot(times, rate, column(trend.ceUgPerMl), width, marks),
  ];
  const span = times.length ? (times[times.length - 1] - times[0]) / 60 : 0;
  const chartsFromMs = times.length ? times[0] * 1000 : Infinity;
  const older = alarms.filter((a) => num(a.startTimeMs) < chartsFromMs).length;
  $('detail-span').textContent = times.length
    ? `${formatClock(times[0] * 1000)} – ${formatClock(times[times.length - 1] * 1000)} (${Math.round(span)} min), ${detail.doseSteps.length} dose steps, ${alarms.length} alarms${older ? ` (${older} before the charts)` : ''}`
    : 'no trend yet';
  fillAlarmHistory(alarms, chartsFromMs);
}

const PRIORITY_COLOUR = { PRIORITY_HIGH: '#ff2020', PRIORITY_MEDIUM: '#ffd400', PRIORITY_LOW: '#00e5ff', PRIORITY_NONE: '#8a8a8a' };

// A dose step: the rate differs from the last known rate.
function doseSteps(times, rate) {
  const steps = [];
  let last = null;
  rate.forEach((value, i) => {
    if (value === null) return;
    if (last !== null && Math.abs(value - last) > 1e-6) steps.push({ t: times[i], from: last, to: value });
    last = value;
  });
  return steps;
}

// Vertical lines across a chart: dose steps (white, dashed) and alarm starts (their colour).
function marksPlugin(marks) {
  return {
    hooks: {
      draw: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.lineWidth = 3;
        for (const mark of marks) {
          const x = u.valToPos(mark.t, 'x', true);
          if (x < bbox.left || x > bbox.left + bbox.width) continue;
          ctx.strokeStyle = mark.colour;
          ctx.setLineDash(mark.dash);
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

const AXIS = { stroke: '#f2f2f2', grid: { stroke: '#333' }, ticks: { stroke: '#555' }, font: '20px DejaVu Sans, sans-serif',
               labelFont: 'bold 20px DejaVu Sans, sans-serif', size: 70 };
// The same right margin on both charts, so that their time axes line up.
const RIGHT_SPACER = { ...AXIS, side: 1, values: () => [], grid: { show: false }, ticks: { show: false } };
const series = (label, colour, scale = 'y') => ({ label, stroke: colour, width: 3, scale, spanGaps: true });
// 24-hour time on the time axis and in the legend (uPlot's defaults say am/pm); seconds
// only once the ticks are closer than a minute (a nurse zoomed in).
function timeAxisValues(u, splits) {
  const step = splits.length > 1 ? splits[1] - splits[0] : 3600;
  return splits.map((t) => (t == null ? '' : formatClock(t * 1000).slice(0, step < 60 ? 8 : 5)));
}
const TIME_AXIS = { ...AXIS, values: timeAxisValues };
const TIME_SERIES = { label: 'time', value: (u, t) => (t == null ? '--' : formatClock(t * 1000)) };

function vitalsPlot(times, trend, width, marks) {
  const options = {
    width, height: 340, plugins: [marksPlugin(marks)], cursor: { sync: { key: 'detail' } },
    scales: { x: { time: true } },
    axes: [TIME_AXIS, { ...AXIS, label: '/min · mmHg · %' }, { ...RIGHT_SPACER, label: ' ' }],
    series: [TIME_SERIES, series('HR /min', '#2ecc40'), series('SBP mmHg', '#ff6b6b'), series('DBP mmHg', '#c0392b'),
             series('SpO₂ %', '#00e5ff'), series('RR /min', '#f5f5f5'), series('EtCO₂ mmHg', '#ffd400')],
  };
  const data = [times, column(trend.hr), column(trend.sbp), column(trend.dbp), column(trend.spo2), column(trend.rr), column(trend.etco2)];
  return new uPlot(options, data, $('detail-vitals'));
}

function dosePlot(times, rate, ce, width, marks) {
  const options = {
    width, height: 240, plugins: [marksPlugin(marks)], cursor: { sync: { key: 'detail' } },
    scales: { x: { time: true } },
    axes: [TIME_AXIS, { ...AXIS, scale: 'rate', label: 'mg/kg/h' }, { ...AXIS, scale: 'ce', side: 1, label: 'µg/mL', grid: { show: false } }],
    series: [TIME_SERIES, { ...series('rate mg/kg/h', '#ff9f1a', 'rate'), paths: uPlot.paths.stepped({ align: 1 }) }, series('Ce µg/mL', '#b57bff', 'ce')],
  };
  return new uPlot(options, [times, rate, ce], $('detail-dose'));
}

// Newest first; the engine keeps the session's alarms, so some may be older than the
// charts: those say so.
function fillAlarmHistory(alarms, chartsFromMs) {
  const rows = [...alarms].reverse().map((a) => {
    const word = (a.priority || 'PRIORITY_NONE').replace('PRIORITY_', '');
    const ended = num(a.endTimeMs) ? formatClock(num(a.endTimeMs)) : 'active';
    const acked = num(a.acknowledgedTimeMs) ? `${escapeHtml(a.acknowledgedBy)} at ${formatClock(num(a.acknowledgedTimeMs))}` : '—';
    const before = num(a.startTimeMs) < chartsFromMs;
    return `<tr class="p-${word}${before ? ' before-charts' : ''}"><td>${formatClock(num(a.startTimeMs))}${before ? ' (before the charts)' : ''}</td>` +
           `<td>${MARKER[PRIORITY_RANK[a.priority] ?? 0]} ${escapeHtml(a.title)}</td><td>${ended}</td><td>${acked}</td></tr>`;
  });
  $('detail-alarms').tBodies[0].innerHTML = rows.join('') || '<tr><td colspan="4">no alarm in this session</td></tr>';
}

// ---- sound: IEC 60601-1-8 style bursts from WebAudio, nothing downloaded ---------------

const SOUND = {
  // pulse start times in s within one burst, the burst repeat interval in s, pitch in Hz
  3: { pulses: [0, 0.18, 0.36, 0.72, 0.9, 1.6, 1.78, 1.96, 2.32, 2.5], every: 6, pitch: 880 },
  2: { pulses: [0, 0.25, 0.5], every: 8, pitch: 660 },
  1: { pulses: [0, 0.3], every: 16, pitch: 440 },
};
const sound = { context: null, nextBurstAt: 0, playing: 0, bursts: 0 };
window.vigil.sound = sound;

function enableSound() {
  if (!sound.context) sound.context = new AudioContext();
  sound.context.resume();
  const button = $('sound');
  button.textContent = 'Sound on';
  button.className = 'sound-on';
}

function playBurst(rank) {
  sound.bursts += 1;
  const pattern = SOUND[rank];
  const ctx = sound.context;
  const start = ctx.currentTime + 0.05;
  for (const offset of pattern.pulses) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = pattern.pitch;
    gain.gain.setValueAtTime(0, start + offset);
    gain.gain.linearRampToValueAtTime(0.15, start + offset + 0.02);
    gain.gain.setValueAtTime(0.15, start + offset + 0.13);
    gain.gain.linearRampToValueAtTime(0, start + offset + 0.15);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.16);
  }
}

// Sounds the most urgent alarm that is not acknowledged or audio-paused; silence while the
// link is down is not possible to trust, so the page shows the overlay instead.
function soundTick() {
  let rank = 0;
  for (const alarm of ward.alarms.values()) if (sounding(alarm)) rank = Math.max(rank, alarmRank(alarm));
  const lost = !ward.open || (ward.link && ward.link.silent);
  if (lost) rank = 3;
  sound.playing = rank;
  if (!sound.context || sound.context.state !== 'running' || rank === 0) return;
  const now = performance.now() / 1000;
  if (now < sound.nextBurstAt) return;
  playBurst(rank);
  sound.nextBurstAt = now + SOUND[rank].every;
}

// ---- nurse sign-in (when the station has it on) ---------------------------------------
// A signed-in nurse acts under her own name: the field shows it and cannot be changed. A
// session that has ended (signed out, idle, station restarted) goes back to sign-in.
async function checkSignedIn() {
  const response = await fetch('/whoami', { cache: 'no-store' }).catch(() => null);
  if (!response) return;
  if (response.status === 401) { location.assign('/signin'); return; }
  const who = await response.json().catch(() => ({}));
  if (!who.signin) return;
  $('nurse').value = who.nurse;
  $('nurse').readOnly = true;
  $('signout').hidden = false;
}

// ---- start ----------------------------------------------------------------------------

$('sound').addEventListener('click', enableSound);
$('entry-kind').addEventListener('change', showEntryFields);
$('entry-dialog').addEventListener('close', onEntryClosed);
$('detail-dialog').addEventListener('close', onDetailClosed);
setInterval(() => { showLinkState(); soundTick(); }, 500);
setInterval(() => { ward.refillAll = true; queueRender(null); }, 2000);  // ages move on even when no value changes
connect();
checkSignedIn();
