// "Current calls": one EventSource for live state, fetch() with the antiforgery token for actions. No libraries.
'use strict';
const api = '/api/supervision';
let antiforgery = null;
let source = null;

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) { if (k === 'onclick') e.onclick = v; else e.setAttribute(k, v); }
  for (const c of children) e.append(c);
  return e;
};

async function start() {
  const me = await fetch('/demo/me');
  if (me.status !== 200) { return showSignIn(); }
  const who = await me.json();
  $('#who').replaceChildren(`${who.name} (${who.extension} @ ${who.tenant}) `, el('button', { id: 'signout', onclick: signOut }, 'Sign out'));
  $('#signin').hidden = true;
  $('#board').hidden = false;
  antiforgery = await (await fetch(`${api}/antiforgery`)).json();
  source = new EventSource(`${api}/stream`);
  source.addEventListener('state', (e) => render(JSON.parse(e.data)));
  source.onerror = () => status('Live updates interrupted; reconnecting…');
}

async function showSignIn() {
  $('#board').hidden = true;
  $('#signin').hidden = false;
  const people = await (await fetch('/demo/supervisors')).json();
  $('#signin-buttons').replaceChildren(...people.map((p) =>
    el('button', { id: `signin-${p.key}`, onclick: () => signIn(p.key) }, `${p.name} (${p.extension} @ ${p.tenant})`)));
}

// Sign-in and sign-out change who the browser is: they carry the antiforgery token too (a token issued to the
// visitor as they are now: anonymous before sign-in, the signed-in user before sign-out).
async function demoPost(path) {
  const token = await (await fetch('/demo/antiforgery')).json();
  return fetch(path, { method: 'POST', headers: { [token.headerName]: token.requestToken } });
}

async function signIn(key) {
  const response = await demoPost(`/demo/signin/${encodeURIComponent(key)}`);
  if (!response.ok) { $('#signin-status').textContent = `Sign-in failed (${response.status}).`; return; }
  location.reload();
}

async function signOut() {
  if (source) source.close();
  await demoPost('/demo/signout');
  location.reload();
}

function status(text) { $('#status').textContent = text; }

async function post(path, body) {
  const response = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [antiforgery.headerName]: antiforgery.requestToken },
    body: JSON.stringify(body ?? {}),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    status(`${problem.title ?? response.status}${problem.detail ? ': ' + problem.detail : ''}`);
    return null;
  }
  return response.status === 204 ? {} : response.json();
}

async function supervise(agent, mode) {
  status(`Calling your phone to ${mode.toLowerCase()} on ${agent}…`);
  const result = await post('/supervisions', { agentExtension: agent, mode });
  if (result) status(`${mode} on ${agent} started.`);
}

async function switchMode(leg, mode) {
  if (await post(`/supervisions/${encodeURIComponent(leg)}/mode`, { mode })) status(`Switched to ${mode}.`);
}

async function end(leg) {
  if (await post(`/supervisions/${encodeURIComponent(leg)}/end`)) status('Supervision ended.');
}

function since(iso) {
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function render(state) {
  const rows = state.calls.map((c) => {
    const mine = c.supervisions.find((s) => s.mine);
    let actions;
    if (mine) {
      actions = el('span', { class: 'running', 'data-mode': mine.mode },
        el('span', { class: 'mode' }, mine.mode),
        ...['Spy', 'Whisper', 'Barge'].filter((m) => c.allowedModes.includes(m)).map((m) =>
          el('button', { class: m === mine.mode ? 'active' : '', 'data-action': `switch-${m}`, onclick: () => switchMode(mine.supervisorLegId, m) }, m)),
        el('button', { class: 'end', 'data-action': 'end', onclick: () => end(mine.supervisorLegId) }, 'End'));
    } else {
      actions = el('span', {}, ...c.allowedModes.map((m) =>
        el('button', { 'data-action': `start-${m}`, onclick: () => supervise(c.agent, m) }, m)));
      const others = c.supervisions.filter((s) => !s.mine);
      if (others.length) actions.append(` (${others.map((s) => `${s.supervisor}: ${s.mode}`).join(', ')})`);
    }
    return el('tr', { 'data-agent': c.agent },
      el('td', {}, c.agent), el('td', {}, c.ringGroups.join(', ')), el('td', {}, c.clientNumber ?? ''),
      el('td', {}, c.direction), el('td', {}, c.state), el('td', {}, since(c.since)), el('td', {}, actions));
  });
  $('#calls tbody').replaceChildren(...rows);
  $('#no-calls').hidden = rows.length > 0;
  $('#audit').replaceChildren(...state.audit.map((a) => el('li', {},
    `${new Date(a.at).toLocaleTimeString()} ${a.kind}${a.mode ? ' ' + a.mode : ''} ${a.supervisor ?? ''} → ${a.agent ?? ''}${a.denialReason ? ' (' + a.denialReason + ')' : ''}${a.endReason ? ' (' + a.endReason + ')' : ''}`)));
}

start();
