// The agent-auth demo chat: plain JavaScript, no build step.
'use strict';

const $ = (id) => document.getElementById(id);

async function post(path, body) {
  const r = await fetch(path, {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
  });
  return r.json();
}

// A chat turn: POST, then server-sent events — "token" events while the answer streams into one message, then the
// turn's end ({type: 'reply' | 'consent_interrupt' | 'pending' | 'error'}), which the promise resolves to.
async function turn(path, body) {
  const r = await fetch(path, {
    method: 'POST', headers: {'Content-Type': 'application/json', 'Accept': 'text/event-stream'},
    body: JSON.stringify(body)
  });
  if (!r.ok || !r.body) return {type: 'error', text: 'The chat server did not answer (' + r.status + ').'};
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let streaming = null;   // the message the tokens go into
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return {type: 'error', text: 'The answer was cut off.'};
    buffer += decoder.decode(value, {stream: true});
    let at;
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      const raw = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      let name = 'message';
      let data = '';
      for (const line of raw.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      const event = JSON.parse(data);
      if (name === 'token') {
        if (!streaming) streaming = add('agent streaming', '');
        streaming.textContent += event.text;
        document.body.dataset.tokens = String(Number(document.body.dataset.tokens || 0) + 1);
        streaming.scrollIntoView({block: 'end'});
      } else {
        if (streaming) {
          if (event.type === 'reply') {
            streaming.textContent = event.text;   // the whole answer, as the model completed it
            streaming.classList.remove('streaming');
            event.shown = true;
          } else {
            streaming.remove();
          }
        }
        return event;
      }
    }
  }
}

function add(kind, text) {
  const div = document.createElement('div');
  div.className = 'message ' + kind;
  div.textContent = text;
  $('messages').appendChild(div);
  div.scrollIntoView({block: 'end'});
  return div;
}

function busy(on) {
  $('send').disabled = on;
  $('input').disabled = on;
  document.body.classList.toggle('busy', on);
}

// An answer of the agent: a reply, or a consent card to show.
function show(answer) {
  if (answer.type === 'reply') {
    if (!answer.shown) add('agent', answer.text);
  } else if (answer.type === 'consent_interrupt') {
    card(answer);
  } else {
    add('error', answer.text || 'Something went wrong.');
  }
  loadAccounts();
}

// One card per consent; resume once the popup reports back (or closes).
function card(interrupt) {
  const box = add('card', '');
  box.dataset.interrupt = interrupt.id;
  // Which tool asks, and why: its description, not its method name.
  const waiting = interrupt.waitingToolCalls.map((c) => c.toolDescription || c.toolName).join('; ');
  const title = document.createElement('p');
  title.className = 'why';
  title.textContent = 'To continue — ' + waiting + ' — the agent needs your permission.';
  box.appendChild(title);
  let state = 'open';   // open -> resuming -> done; the popup's message and its closing may both call resume
  const resume = async () => {
    if (state !== 'open') return;
    state = 'resuming';
    const answer = await turn('/api/resume', {interruptId: interrupt.id});
    if (answer.type === 'pending') {
      // The popup closed before the sign-in finished: nothing is waiting any more, so say what to do.
      state = 'open';
      status.textContent = interrupt.consents.some((c) => c.prompt === 'backchannel')
          ? 'Not approved yet: approve the request on your device first, or choose Not now.'
          : interrupt.consents.some((c) => c.userCode)
          ? 'Not approved yet: enter the code on the sign-in page first, or choose Not now.'
          : 'The sign-in window closed before you finished. Authorize again, or choose Not now.';
      return;
    }
    state = 'done';
    box.classList.add('done');
    box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    status.textContent = 'Authorized.';
    show(answer);
  };
  const decline = async () => {
    if (state !== 'open') return;
    state = 'done';
    box.classList.add('done');
    box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    status.textContent = 'Not now: the agent goes on without it.';
    show(await turn('/api/decline', {interruptId: interrupt.id}));
  };
  for (const consent of interrupt.consents) {
    const row = document.createElement('div');
    row.className = 'consent';
    const name = document.createElement('strong');
    name.className = 'provider';
    name.textContent = consent.providerDisplayName;
    // What each scope lets the agent do, in words; those granted before apart from the new ones.
    const scopes = document.createElement('ul');
    scopes.className = 'scopes';
    const details = consent.scopeDetails && consent.scopeDetails.length ? consent.scopeDetails
        : consent.scopes.map((s) => ({scope: s, description: null, alreadyGranted: false}));
    for (const d of details) {
      const li = document.createElement('li');
      li.className = d.alreadyGranted ? 'granted' : 'new';
      li.title = d.scope;
      li.textContent = (d.description || d.scope) + (d.alreadyGranted ? ' (already allowed)' : '');
      scopes.appendChild(li);
    }
    const meta = document.createElement('p');
    meta.className = 'meta';
    meta.textContent = (consent.connectedAccount ? 'Connected as ' + consent.connectedAccount + '. ' : '')
        + 'This request expires at ' + new Date(consent.expiresAt).toLocaleTimeString() + '.';
    if (consent.prompt === 'backchannel') {
      // One action to approve on the user's own device (OpenID CIBA): the action in words, the binding message to
      // compare with what the device shows; no link to open.
      const action = document.createElement('p');
      action.className = 'action';
      action.textContent = consent.action;
      const device = document.createElement('p');
      device.className = 'approve-on-device';
      device.append('Approve on your device: ');
      const binding = document.createElement('strong');
      binding.className = 'binding-message';
      binding.textContent = consent.bindingMessage;
      device.append(binding);
      const approved = document.createElement('button');
      approved.className = 'authorize';
      approved.textContent = "I've approved";
      approved.addEventListener('click', resume);
      row.append(name, action, device, meta, approved);
      box.appendChild(row);
      continue;
    }
    if (consent.userCode) {
      // Device authorization (RFC 8628): a code to enter on the provider's page, on this or any other device.
      const code = document.createElement('p');
      code.className = 'device-code';
      code.append('Open ');
      const link = document.createElement('a');
      link.href = consent.verificationUriComplete || consent.verificationUri;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = consent.verificationUri;
      const value = document.createElement('strong');
      value.className = 'user-code';
      value.textContent = consent.userCode;
      code.append(link, ' and enter the code ', value, '.');
      const approved = document.createElement('button');
      approved.className = 'authorize';
      approved.textContent = "I've approved";
      approved.addEventListener('click', resume);
      row.append(name, scopes, code, meta, approved);
      box.appendChild(row);
      continue;
    }
    const button = document.createElement('button');
    button.className = 'authorize';
    button.textContent = 'Authorize';
    // window.open must run synchronously in the click handler, or the browser blocks the popup
    button.addEventListener('click', () => {
      const popup = window.open(consent.authorizationUrl, 'agentauth-consent',
          'popup,width=520,height=680');
      if (!popup) {
        status.textContent = 'Your browser blocked the popup; allow popups for this page.';
        return;
      }
      status.textContent = 'Sign in at ' + consent.providerDisplayName + ' in the popup…';
      const timer = setInterval(() => {
        if (popup.closed) { clearInterval(timer); resume(); }
      }, 700);
    });
    row.append(name, scopes, meta, button);
    box.appendChild(row);
  }
  const notNow = document.createElement('button');
  notNow.className = 'decline';
  notNow.textContent = 'Not now';
  notNow.addEventListener('click', decline);
  box.appendChild(notNow);
  const status = document.createElement('p');
  status.className = 'status';
  box.appendChild(status);
  // Scroll only now that the rows are there: the whole card, with its buttons, comes into view.
  box.scrollIntoView({block: 'end'});
  window.addEventListener('message', (e) => {
    if (e.origin === location.origin && e.data && e.data.type === 'agentauth-consent') resume();
  });
}

async function loadAccounts() {
  const r = await fetch('/api/accounts');
  if (!r.ok) return;
  const {accounts} = await r.json();
  const list = $('accounts');
  list.replaceChildren();
  if (accounts.length === 0) {
    const li = document.createElement('li');
    li.className = 'none';
    li.textContent = 'None yet.';
    list.appendChild(li);
  }
  for (const a of accounts) {
    // One row per provider: which account is connected, what it allows; disconnecting asks first.
    const li = document.createElement('li');
    li.className = 'account';
    li.dataset.provider = a.provider;
    const name = document.createElement('strong');
    name.textContent = a.displayName;
    const who = document.createElement('span');
    who.className = 'connected-as';
    who.textContent = a.account ? 'as ' + a.account : '';
    const scopes = document.createElement('span');
    scopes.className = 'granted-scopes';
    scopes.textContent = a.scopes.join(' ');
    const button = document.createElement('button');
    button.className = 'disconnect';
    button.textContent = 'Disconnect';
    const confirm = document.createElement('span');
    confirm.className = 'confirm';
    confirm.hidden = true;
    const question = document.createElement('span');
    question.textContent = 'Disconnect ' + a.displayName + '? The agent will have to ask again. ';
    const yes = document.createElement('button');
    yes.className = 'confirm-disconnect';
    yes.textContent = 'Disconnect';
    const no = document.createElement('button');
    no.className = 'cancel-disconnect';
    no.textContent = 'Cancel';
    confirm.append(question, yes, no);
    button.addEventListener('click', () => { button.hidden = true; confirm.hidden = false; });
    no.addEventListener('click', () => { confirm.hidden = true; button.hidden = false; });
    yes.addEventListener('click', async () => {
      await post('/api/disconnect', {provider: a.provider});
      loadAccounts();
    });
    li.append(name, ' ', who, ' ', scopes, ' ', button, confirm);
    list.appendChild(li);
  }
}

// After a reload: the conversation so far, then the cards still waiting for the user.
async function restore() {
  const r = await fetch('/api/history');
  if (!r.ok) return;
  const history = await r.json();
  for (const m of history.messages) add(m.role, m.text);
  for (const interrupt of history.interrupts) card(interrupt);
}

async function start() {
  const r = await fetch('/api/me');
  if (r.status === 401) {
    $('login').hidden = false;
    return;
  }
  const me = await r.json();
  $('who').textContent = 'Signed in as ' + me.user;
  $('model').textContent = 'Model: ' + me.model;
  $('logout').hidden = false;
  $('app').hidden = false;
  $('composer').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('input').value.trim();
    if (!text) return;
    $('input').value = '';
    add('user', text);
    busy(true);
    try {
      show(await turn('/api/chat', {message: text}));
    } catch (err) {
      add('error', 'The chat server did not answer.');
    } finally {
      busy(false);
      $('input').focus();
    }
  });
  await restore();
  loadAccounts();
  $('input').focus();
}

start();
