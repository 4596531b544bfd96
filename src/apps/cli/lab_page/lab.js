// lab.js - the live lab's player.  The server (lab_live.c) streams a run's
// events: pkt (a packet put on the wire), dmx (the decision a host made on
// its arrival, with the table row it matched), tbl (a host's socket table
// after a change), note (narration), run and end.  The page keeps them all
// and shows the network as it was at one packet: "Step" moves one packet,
// "Back" one back, "Run" at the chosen speed.  Exercises ask, before a
// packet arrives, which row will receive it.
'use strict';

const RULES = {
  'established': ['exact 4-tuple', 'A connection with exactly this 4-tuple (source IP, source port, destination IP, destination port) exists: the segment goes to that socket.'],
  'time-wait': ['TIME-WAIT record', 'The 4-tuple belongs to a connection that closed recently; its TIME-WAIT record (not a socket) answers: it re-acknowledges a late FIN, or lets a new SYN reuse the 4-tuple (RFC 9293 3.6.1).'],
  'listener-exact': ['listener on the exact address', 'No connection has this 4-tuple; a socket listening on exactly this destination address and port takes the SYN and makes a new connection.'],
  'listener-wildcard': ['wildcard listener', 'No connection has this 4-tuple and no listener is bound to the exact address; the listener on 0.0.0.0 (any address) with this port takes the SYN.'],
  'udp-connected': ['connected UDP socket', 'A UDP socket connected to exactly this source (IP, port) takes it before any merely bound one.'],
  'udp-exact': ['bound UDP socket (exact address)', 'A UDP socket bound to this destination address and port takes it, whatever the source.'],
  'udp-wildcard': ['bound UDP socket (wildcard)', 'A UDP socket bound to 0.0.0.0 with this port takes it, whatever the source: UDP demultiplexes by destination only.'],
  'miss': ['no socket', 'No row matches: TCP answers with a RST (RFC 9293 3.10.7.1), UDP with an ICMP port unreachable (RFC 1122 4.1.3.1, rate limited).'],
};
const HOSTS = ['server', 'client1', 'client2'];

const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};
const SVG = 'http://www.w3.org/2000/svg';
const sv = (tag, attrs, text) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

// --- the run's data -----------------------------------------------------------
let run = null;       // the run event
let events = [];
let frames = [];      // pkt events in order, each with .dmx when a host decided on it
let byPkt = new Map();
let tables = {};      // host -> [{i, rows}]
let notes = [];
let ended = false;
let cur = -1;         // the frame shown; -1 before the first
let lastDrawn = -2;   // the frame the diagram last showed (to animate only a new one)
let playing = false, timer = null;
let quiz = null;      // {frame, answered}
const asked = new Map();  // "host|rule" -> times asked this run
const scores = {};    // scenario -> {right, asked}
let scenarios = [];
const bases = new Map();  // direction -> first seq

function reset(r) {
  run = r; events = []; frames = []; byPkt = new Map(); tables = {}; notes = []; ended = false;
  cur = -1; quiz = null; asked.clear(); bases.clear();
  for (const h of HOSTS) tables[h] = [];
  $('title').textContent = r.title;
  $('teaches').textContent = 'What it teaches: ' + r.teaches + '.';
  $('seed').value = r.seed;
  $('loss').value = r.loss;
  $('lossv').textContent = Math.round(r.loss * 100) + '%';
  $('share').textContent = `portplex lab --serve --seed ${r.seed} --loss ${r.loss}`;
  for (const b of document.querySelectorAll('#scenarios button')) b.classList.toggle('current', b.dataset.id === r.id);
  $('exercise').hidden = true;
}

function add(ev) {
  if (ev.k === 'run') { if (!run || ev.run !== run.run) reset(ev); return; }
  if (!run || ev.run !== run.run) return;
  events.push(ev);
  if (ev.k === 'pkt') {
    if (ev.proto === 'tcp' && ev.flags !== undefined) {
      const dir = `${ev.src}:${ev.sport}>${ev.dst}:${ev.dport}`;
      if (!bases.has(dir) && ev.flags.includes('S')) bases.set(dir, ev.seq);
    }
    ev.dmx = null;
    byPkt.set(ev.n, ev);
    frames.push(ev);
  } else if (ev.k === 'dmx') {
    const p = byPkt.get(ev.pkt);
    if (p && !p.dmx) p.dmx = ev;
  } else if (ev.k === 'tbl') {
    tables[ev.host].push({ i: ev.i, rows: ev.rows });
  } else if (ev.k === 'note') {
    notes.push(ev);
  } else if (ev.k === 'end') {
    ended = true;
  }
}

// The table of host as it was just before event index i.
function tableAt(host, i) {
  const list = tables[host] || [];
  let rows = [];
  for (const t of list) { if (t.i < i) rows = t.rows; else break; }
  return rows;
}
function prevTableAt(host, i) {
  const list = tables[host] || [];
  let prev = [], rows = [];
  for (const t of list) { if (t.i < i) { prev = rows; rows = t.rows; } else break; }
  return prev;
}

function rowMatches(row, d) {
  if (!d || d.rule === 'miss' || row.p !== d.proto) return false;
  if (d.fd >= 0 && row.fd === d.fd) return true;
  if (d.fd >= 0 && d.rule !== 'established') return false;
  return row.l === d.l && row.r === d.r && (d.rule !== 'time-wait' || row.st === 'TIME-WAIT');
}

// --- drawing ------------------------------------------------------------------
function sockName(host, row) {
  if (row.fd >= 0) return `${host} #${row.fd}`;
  if (row.st === 'TIME-WAIT') return 'record';
  if (row.st === 'LISTEN') return '-';
  return row.st === 'ESTAB' || row.st === 'SYN-RECEIVED' ? 'not accepted' : 'closed';
}
function sockTitle(row) {
  if (row.fd >= 0) return 'the descriptor the host\'s program holds (socket numbers are per host)';
  if (row.st === 'TIME-WAIT') return 'a TIME-WAIT record keeps the 4-tuple after a close; it is not a socket and has no descriptor';
  if (row.st !== 'ESTAB' && row.st !== 'SYN-RECEIVED') return 'the program closed its descriptor; the stack finishes the connection\'s close (FIN, ACK) on its own';
  return 'a connection without a descriptor: the stack completed the handshake for the listener, and it waits in the accept queue until the program calls accept() (or was already closed by it)';
}

function drawHosts(i, d, quizzing) {
  const box = $('hosts');
  box.textContent = '';
  for (const h of HOSTS) {
    const ip = run ? run.hosts.find((x) => x.name === h).ip : '';
    const rows = tableAt(h, i), before = prevTableAt(h, i);
    const div = el('div', { class: 'host' + (d && d.host === h ? ' target' : ''), id: 'host-' + h });
    div.append(el('h2', {}, h, ' ', el('span', { class: 'ip', text: ip })));
    if (!rows.length) {
      div.append(el('div', { class: 'empty', text: 'no sockets' }));
    } else {
      const t = el('table', { class: 'socks' });
      t.append(el('tr', {}, ...['Netid', 'State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port', 'Socket'].map((x) => el('th', { text: x }))));
      for (const r of rows) {
        const key = JSON.stringify(r);
        const isNew = !before.some((b) => JSON.stringify(b) === key);
        const m = !quizzing && d && d.host === h && rowMatches(r, d);
        const tr = el('tr', { class: (m ? 'match' : '') + (isNew ? ' new' : '') });
        if (m) tr.setAttribute('data-match', '1');
        tr.append(el('td', { text: r.p }), el('td', { text: r.st }), el('td', { text: r.rq, title: r.st === 'LISTEN' ? 'connections waiting for accept()' : 'bytes received, not yet read by the program' }),
          el('td', { text: r.sq, title: r.st === 'LISTEN' ? 'the backlog' : 'bytes sent or queued, not yet acknowledged' }), el('td', { text: r.l }), el('td', { text: r.r }),
          el('td', { text: sockName(h, r), title: sockTitle(r) }));
        t.append(tr);
      }
      div.append(t);
    }
    box.append(div);
  }
}

function relSeq(f) {
  const b = bases.get(`${f.src}:${f.sport}>${f.dst}:${f.dport}`);
  const rb = bases.get(`${f.dst}:${f.dport}>${f.src}:${f.sport}`);
  const s = b === undefined ? f.seq : (f.seq - b) >>> 0;
  const a = !f.flags.includes('A') ? null : rb === undefined ? f.ack : (f.ack - rb) >>> 0;
  return [s, a];
}

function label(f) {
  if (f.proto === 'tcp' && f.flags !== undefined) {
    const [s, a] = relSeq(f);
    return `${f.sport}\u2192${f.dport} [${f.flags}] seq=${s}${a === null ? '' : ' ack=' + a} len=${f.len}`;
  }
  if (f.proto === 'udp') return `UDP ${f.sport}\u2192${f.dport} len=${f.len}`;
  return f.desc.length > 60 ? f.desc.slice(0, 60) + '\u2026' : f.desc;
}

function hueOf(f) {
  if (f.sport === undefined) return 0;
  const a = `${f.src}:${f.sport}`, b = `${f.dst}:${f.dport}`;
  const k = (a < b ? a + b : b + a) + f.proto;
  let h = 0;
  for (const c of k) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % 360;
}

function lanes() {
  const l = HOSTS.slice();
  if (frames.some((f) => f.from === 'forged')) l.push('forged');
  return l;
}

function drawDiagram() {
  const W = 760, ROW = 28, N = 14, TOP = 34;
  const ls = lanes();
  const x0 = 110, span = (W - x0 - 30) / (ls.length - 1);
  const xOf = (name) => { const k = ls.indexOf(name); return x0 + (k < 0 ? ls.length - 1 : k) * span; };
  const first = Math.max(0, cur - N + 1), last = Math.min(frames.length - 1, Math.max(cur, first + N - 1));
  const shown = cur < 0 ? [] : frames.slice(first, cur + 1);
  const H = TOP + N * ROW + 8;
  const s = sv('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'packets on the wire' });
  ls.forEach((n) => {
    const ip = n === 'forged' ? '10.0.0.100+' : run.hosts.find((x) => x.name === n).ip;
    s.append(sv('text', { x: xOf(n), y: 14, 'text-anchor': 'middle', class: 'lanehead' }, n));
    s.append(sv('text', { x: xOf(n), y: 27, 'text-anchor': 'middle', class: 'time' }, ip));
    s.append(sv('line', { x1: xOf(n), y1: TOP - 4, x2: xOf(n), y2: H - 4, class: 'lane' }));
  });
  s.append(sv('text', { x: 4, y: 27, class: 'time' }, 't (ms)'));
  shown.forEach((f, k) => {
    const y = TOP + k * ROW + 18, isCur = first + k === cur;
    const g = sv('g', { class: 'arrow' + (isCur ? ' cur' : '') + (f.fate === 'lost' || f.fate === 'filtered' ? ' lost' : ''), 'data-n': f.n });
    const x1 = xOf(f.from), x2 = xOf(f.to), dir = x2 >= x1 ? 1 : -1;
    const col = `hsl(${hueOf(f)} 65% 38%)`;
    if (isCur) g.append(sv('rect', { x: 0, y: y - 17, width: W, height: ROW - 2, class: 'bg' }));
    g.append(sv('text', { x: 4, y: y + 4, class: 'time' }, f.t.toFixed(1)));
    const stop = f.fate === 'lost' || f.fate === 'filtered' ? x1 + (x2 - x1) * 0.55 : x2 - dir * 6;
    const line = sv('line', { x1, y1: y, x2: stop, y2: y, stroke: col, 'stroke-width': isCur ? 2.5 : 1.5 });
    if (isCur && cur !== lastDrawn && f.fate !== 'lost' && f.fate !== 'filtered') {
      // The packet travels: the line draws itself from sender to receiver.
      const len = Math.abs(stop - x1);
      line.style.strokeDasharray = `${len}`;
      line.style.setProperty('--len', `${len}`);
      line.classList.add('travel');
    }
    g.append(line);
    if (f.fate === 'lost' || f.fate === 'filtered') {
      g.append(sv('text', { x: stop + 4 * dir, y: y + 4, class: 'fate', 'text-anchor': dir > 0 ? 'start' : 'end' }, '\u2716 ' + f.fate));
    } else {
      g.append(sv('path', { d: `M${x2 - dir * 1} ${y} l${-dir * 8} -4 v8 z`, fill: col }));
    }
    const t = sv('text', { x: (x1 + x2) / 2, y: y - 4, 'text-anchor': 'middle', fill: col, class: 'lbl' }, label(f));
    g.append(t);
    g.append(sv('title', {}, `${f.desc}${f.fate ? ' [' + f.fate + ']' : ''}\n${f.src} \u2192 ${f.dst}, ttl ${f.ttl}, ${f.iplen} bytes` +
      (f.dmx ? `\narrived: ${f.dmx.host} chose ${f.dmx.rule}` : '')));
    s.append(g);
  });
  void last;
  lastDrawn = cur;
  const d = $('diagram');
  d.textContent = '';
  d.append(s);
}

function explain(f, d) {
  const box = $('decision');
  box.textContent = '';
  if (!f) { box.append('Press Step or Run to follow the packets.'); return; }
  if (f.fate === 'lost' || f.fate === 'filtered') {
    box.append(el('span', { class: 'rule', text: f.fate === 'lost' ? 'Lost on the wire. ' : 'Dropped by the firewall. ' }),
      'No host sees it: no decision, no answer. ' + (f.proto === 'tcp' ? 'TCP will notice the missing acknowledgement and send it again.' : 'UDP does not resend.'));
    return;
  }
  if (!d) {
    box.append(`${f.to} got ${f.proto.toUpperCase()}: ${f.desc}. `, f.proto === 'icmp' ? 'An ICMP message is not demultiplexed to a port: the stack reads the quoted header inside it to tell the socket it concerns.' :
      f.to && !HOSTS.includes(f.to) ? 'No host has this address: the packet goes nowhere.' : '');
    return;
  }
  const [name, why] = RULES[d.rule] || [d.rule, ''];
  const rows = tableAt(d.host, d.i);
  const row = rows.find((r) => rowMatches(r, d));
  box.append(el('b', { text: `${d.host}: ` }), `${d.proto.toUpperCase()} ${d.src}:${d.sport} \u2192 ${d.dst}:${d.dport} `,
    d.rule === 'miss' ? 'matched no row' : row ? `matched ${row.st} ${row.l} ${row.r} (${sockName(d.host, row)})` : `went to socket ${d.fd}`,
    ' by the rule ', el('span', { class: 'rule', text: name }), '. ', why);
}

function drawNotes(i) {
  const ol = $('notes');
  ol.textContent = '';
  let latest = null;
  for (const n of notes) {
    const li = el('li', { text: n.text });
    if (n.i > i) li.className = 'future'; else latest = li;
    ol.append(li);
  }
  if (latest) { latest.classList.add('latest'); ol.scrollTop = latest.offsetTop - ol.offsetTop - 40; }
}

function draw() {
  if (!run) return;
  const f = cur >= 0 ? frames[cur] : null;
  const d = f ? f.dmx : null;
  const quizzing = quiz && !quiz.answered && quiz.frame === cur;
  // The tables just before the packet arrives (its decision's index), so
  // the matched row is there to light up.
  const i = f ? (d ? d.i : f.i + 1) : (frames.length ? frames[0].i : (ended ? 1e12 : events.length + 1));
  drawHosts(cur >= frames.length - 1 && ended && !d ? 1e12 : i, d, quizzing);
  drawDiagram();
  if (!quizzing) explain(f, d);
  else $('decision').textContent = `A ${f.proto.toUpperCase()} packet is on its way to ${d.host}. Which row will receive it?`;
  drawNotes(f ? f.i : (frames.length ? frames[0].i - 1 : 1e12));
  $('pos').textContent = `packet ${cur + 1} / ${frames.length}${ended ? '' : ' (running...)'}`;
  $('play').innerHTML = playing ? '&#x23F8; Pause' : '&#x25B6; Run';
  $('back').disabled = cur < 0;
  $('step').disabled = cur >= frames.length - 1;
  const sc = scores[run.id];
  $('score').textContent = sc ? `score: ${sc.right}/${sc.asked}` : '';
}

// --- exercises ------------------------------------------------------------------
function wantQuiz(f) {
  if (!$('quiz').checked || !f || !f.dmx || f.dmx.host === undefined) return false;
  const key = `${f.dmx.host}|${f.dmx.rule}|${f.proto}`;
  return (asked.get(key) || 0) < 2;   // each kind of decision at most twice a run
}

function askQuiz() {
  const f = frames[cur], d = f.dmx;
  quiz = { frame: cur, answered: false };
  asked.set(`${d.host}|${d.rule}|${f.proto}`, (asked.get(`${d.host}|${d.rule}|${f.proto}`) || 0) + 1);
  const rows = tableAt(d.host, d.i).filter((r) => r.p === d.proto);
  const box = $('exercise');
  box.textContent = '';
  box.hidden = false;
  box.append(el('p', {}, el('b', { text: 'Exercise: ' }), `${label(f)} from ${f.src} arrives at ${d.host} (${d.dst}). Which socket receives it?`));
  const choices = rows.map((r) => ({ text: `${r.p} ${r.st} ${r.l} ${r.r}  (${sockName(d.host, r)})`, right: rowMatches(r, d) }));
  // (the queues are left out of the choices: they change as the packet lands)
  choices.push({ text: d.proto === 'tcp' ? 'none: the host answers RST' : 'none: the host answers ICMP port unreachable', right: d.rule === 'miss' });
  for (const c of choices) {
    const b = el('button', { class: 'choice', text: c.text });
    b.addEventListener('click', () => answer(c.right, b));
    box.append(b);
  }
  stop();
  draw();
}

function answer(right, button) {
  if (!quiz || quiz.answered) return;
  quiz.answered = true;
  const sc = scores[run.id] || (scores[run.id] = { right: 0, asked: 0 });
  sc.asked++;
  if (right) sc.right++;
  const d = frames[quiz.frame].dmx;
  const [name, why] = RULES[d.rule] || [d.rule, ''];
  const p = el('p', { class: right ? 'right' : 'wrong', id: 'verdict', text: right ? '\u2714 Right. ' : '\u2718 Not that one. ' });
  p.append(el('span', { text: `Rule: ${name}. ${why}` }));
  $('exercise').append(p);
  for (const b of document.querySelectorAll('#exercise button.choice')) b.disabled = true;
  button.style.outline = '2px solid ' + (right ? '#1e8449' : '#c0392b');
  draw();
}

// --- the player -------------------------------------------------------------------
function go(to) {
  cur = Math.max(-1, Math.min(frames.length - 1, to));
  if (!(quiz && quiz.frame === cur)) { quiz = null; $('exercise').hidden = true; }
  draw();
}
function step() {
  if (quiz && !quiz.answered) return;
  if (cur >= frames.length - 1) { if (ended) stop(); return; }
  go(cur + 1);
  if (wantQuiz(frames[cur])) askQuiz();
}
function stop() { playing = false; clearInterval(timer); timer = null; draw(); }
function play() {
  if (playing) { stop(); return; }
  playing = true;
  timer = setInterval(() => {
    const n = Math.max(1, Math.round(Number($('speed').value) / 20));
    for (let k = 0; k < n && playing; k++) step();
  }, 1000 / Math.min(20, Number($('speed').value)));
  draw();
}

async function post(path) {
  const r = await fetch(path, { method: 'POST', headers: { 'X-Portplex-Lab': '1' } });
  return r.json();
}

async function runScenario(id) {
  stop();
  const seed = Number($('seed').value) || 0;
  const loss = Number($('loss').value) || 0;
  const r = await post(`/api/run?scenario=${encodeURIComponent(id)}&seed=${seed}&loss=${loss}`);
  if (r.error) alert(r.error);
}

// --- the sandbox --------------------------------------------------------------------
const sbFds = [];
function sbLog(s) { const p = $('sb-log'); p.textContent += s + '\n'; p.scrollTop = p.scrollHeight; }
function sbRefresh() {
  const sel = $('sb-fd'), host = $('sb-host').value;
  sel.textContent = '';
  for (const s of sbFds.filter((x) => x.host === host)) sel.append(el('option', { value: s.fd, text: `${host} #${s.fd} (${s.proto})` }));
}
async function sandbox(op, extra) {
  const host = $('sb-host').value;
  let q = `op=${op}&host=${host}`;
  if (op !== 'socket') q += `&fd=${$('sb-fd').value}`;
  for (const [k, v] of Object.entries(extra || {})) q += `&${k}=${encodeURIComponent(v)}`;
  const r = await post('/api/sandbox?' + q);
  sbLog((r.ok ? '' : 'error: ') + r.message);
  if (r.ok && op === 'socket') sbFds.push({ host, fd: r.rc, proto: $('sb-proto').value });
  if (r.ok && op === 'accept') sbFds.push({ host, fd: r.rc, proto: 'tcp' });
  if (op === 'close') { const k = sbFds.findIndex((x) => x.host === host && String(x.fd) === $('sb-fd').value); if (k >= 0) sbFds.splice(k, 1); }
  sbRefresh();
  go(frames.length - 1);   // the sandbox is live: show the newest packet
}

// --- start ---------------------------------------------------------------------------
function start() {
  const dl = $('rules');
  for (const [rule, [name, why]] of Object.entries(RULES)) dl.append(el('dt', { text: `${name} (${rule})` }), el('dd', { text: why }));
  fetch('/api/scenarios').then((r) => r.json()).then((list) => {
    scenarios = list;
    const nav = $('scenarios');
    for (const s of list) {
      const b = el('button', { text: s.title, title: s.teaches });
      b.dataset.id = s.id;
      b.addEventListener('click', () => runScenario(s.id));
      nav.append(b);
    }
    if (run) for (const b of nav.querySelectorAll('button')) b.classList.toggle('current', b.dataset.id === run.id);
  });
  $('play').addEventListener('click', play);
  $('step').addEventListener('click', () => { stop(); step(); });
  $('back').addEventListener('click', () => { stop(); go(cur - 1); });
  $('replay').addEventListener('click', () => { stop(); for (const s of Object.values(scores)) void s; asked.clear(); go(-1); });
  $('toend').addEventListener('click', () => { stop(); go(frames.length - 1); });
  $('speed').addEventListener('change', () => { if (playing) { stop(); play(); } });
  $('loss').addEventListener('input', () => { $('lossv').textContent = Math.round($('loss').value * 100) + '%'; });
  $('rerun').addEventListener('click', () => run && runScenario(run.id));
  $('sb-host').addEventListener('change', sbRefresh);
  $('sb-socket').addEventListener('click', () => sandbox('socket', { proto: $('sb-proto').value }));
  // bind() takes the host's own address when the field holds it, else the wildcard 0.0.0.0.
  $('sb-bind').addEventListener('click', () => {
    const own = run && run.hosts.find((x) => x.name === $('sb-host').value).ip;
    sandbox('bind', $('sb-addr').value === own ? { addr: own, port: $('sb-port').value } : { port: $('sb-port').value });
  });
  $('sb-listen').addEventListener('click', () => sandbox('listen'));
  $('sb-connect').addEventListener('click', () => sandbox('connect', { addr: $('sb-addr').value, port: $('sb-port').value }));
  $('sb-send').addEventListener('click', () => sandbox('send', { text: $('sb-text').value }));
  $('sb-sendto').addEventListener('click', () => sandbox('send', { text: $('sb-text').value, addr: $('sb-addr').value, port: $('sb-port').value }));
  $('sb-recv').addEventListener('click', () => sandbox('recv'));
  $('sb-accept').addEventListener('click', () => sandbox('accept'));
  $('sb-close').addEventListener('click', () => sandbox('close'));
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') return;
    if (e.key === ' ') { e.preventDefault(); play(); } else if (e.key === 'ArrowRight') { stop(); step(); } else if (e.key === 'ArrowLeft') { stop(); go(cur - 1); } else if (e.key === 'Home') { stop(); go(-1); } else if (e.key === 'End') { stop(); go(frames.length - 1); }
  });
  const es = new EventSource('/api/events');
  let pending = false;
  es.onmessage = (m) => {
    add(JSON.parse(m.data));
    if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); }
  };
  es.onopen = () => { $('conn').textContent = 'live'; $('conn').classList.add('live'); };
  es.onerror = () => { $('conn').textContent = 'reconnecting...'; $('conn').classList.remove('live'); };
  draw();
}
document.addEventListener('DOMContentLoaded', start);
