// The chat frame: a customer token from the shop's page, streamed turns, cards, history, events.
import { cards, h, markAdded } from "./cards.js";
import { pick, t } from "./i18n.js";
import { serverEvents } from "./sse.js";

const RENEW_BEFORE_S = 60;
const $ = (id) => document.getElementById(id);
const state = {
  lang: pick(navigator.language), token: null, user: null, session: null, expires: 0,
  guest: false, busy: false, mode: "assistant", pending: null, seen: new Set(),
  inCart: new Set(), renewTimer: null, started: false, announced: false, lastEvent: null,
};
const log = $("messages");

// --- the shop's page hands us tokens (the loader, by postMessage) -----------------------------

function toParent(message) {
  if (window.parent !== window) window.parent.postMessage(message, "*");  // no secrets in it
}

window.addEventListener("message", (event) => {
  if (event.source !== window.parent) return;  // only the page that frames us (CSP: the shop)
  const data = event.data || {};
  if (data.lang && !state.started) setLanguage(pick(data.lang));
  if (data.type === "omnisales:token" && data.token) useToken(data);
  else if (data.type === "omnisales:guest") guestToken().then(useToken, () => fail("signin"));
  else if (data.type === "omnisales:token-failed") fail("signin");
  else if (data.type === "omnisales:open") $("input").focus();
});

function storage(key, value) {
  try {
    if (value === undefined) return JSON.parse(localStorage.getItem(key) || "null");
    localStorage.setItem(key, JSON.stringify(value));
  } catch { /* storage blocked: this conversation lasts as long as the page */ }
  return null;
}

async function guestToken() {
  const kept = storage("omnisales:guest");
  const alive = kept && kept.expires > Date.now() / 1000 + 10;
  const response = await fetch("/widget/session", {
    method: "POST", headers: { "Content-Type": "application/json",
      ...(alive ? { Authorization: `Bearer ${kept.token}` } : {}) }, body: "{}" });
  if (!response.ok) throw new Error(`session ${response.status}`);
  state.guest = true;
  return response.json();
}

function useToken(body) {
  const first = !state.token || state.user !== body.user_id;
  state.token = body.token;
  state.user = body.user_id;
  state.expires = Date.now() / 1000 + Number(body.expires_in || 900);
  if (state.guest) storage("omnisales:guest", { token: state.token, expires: state.expires });
  clearTimeout(state.renewTimer);
  state.renewTimer = setTimeout(renew, Math.max(5, body.expires_in - RENEW_BEFORE_S) * 1000);
  if (first) start();
}

function renew() {
  if (state.guest) guestToken().then(useToken, () => setTimeout(renew, 10000));
  else toParent({ type: "omnisales:renew" });
}

/** A fresh token now (the old one was refused): resolves once it is here, or after 10 s. */
function renewNow() {
  const before = state.token;
  renew();
  return new Promise((resolve) => {
    const started = Date.now();
    const check = () => (state.token !== before || Date.now() - started > 10000
      ? resolve() : setTimeout(check, 100));
    check();
  });
}

// A sleeping laptop or a background tab delays timers: renew on return when the token is old.
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && state.token && state.expires - Date.now() / 1000 < RENEW_BEFORE_S) renew();
});

// --- talking to the API -----------------------------------------------------------------------

function call(path, options = {}) {
  return fetch(path, { ...options, headers: { "Content-Type": "application/json",
    Authorization: `Bearer ${state.token}`, ...(options.headers || {}) } });
}

async function start() {
  state.started = true;
  const sessions = storage("omnisales:sessions") || {};
  state.session = sessions[state.user] || `web-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  sessions[state.user] = state.session;
  storage("omnisales:sessions", sessions);
  log.replaceChildren();
  await loadHistory();
  if (!log.querySelector(".message")) addMessage("assistant", t(state.lang, "welcome"), [], { local: true });
  for (const id of ["input", "send"]) $(id).disabled = false;
  watchEvents();
}

async function loadHistory() {
  try {
    const response = await call(`/chat/history?session_id=${encodeURIComponent(state.session)}`);
    if (!response.ok) return;
    const { messages, mode } = await response.json();
    setMode(mode, false);  // a person may have the conversation already
    const last = messages[messages.length - 1];
    const waiting = last && last.role === "assistant" && (last.actions || []).find(
      (a) => a.confirmation_id && (!a.expires_at || new Date(a.expires_at) > new Date()));
    state.pending = waiting ? waiting.confirmation_id : null;
    for (const m of messages) addMessage(m.role, m.text, m.actions, { at: m.at, live: m === last });
  } catch { /* no history yet: a new conversation */ }
}

async function watchEvents() {
  const session = state.session;
  let pause = 2000;
  while (session === state.session) {
    try {
      const response = await call(`/chat/events?session_id=${encodeURIComponent(session)}`,
        { headers: state.lastEvent ? { "Last-Event-ID": state.lastEvent } : {} });
      if (response.status === 404 || response.status === 405) pause = 60000;
      if (response.ok) {
        pause = 2000;
        for await (const { event, id, data } of serverEvents(response)) {
          if (id) state.lastEvent = id;  // a reconnection asks for what came after it
          if (event === "operator") {
            if (!state.announced) { state.mode = "assistant"; setMode("human"); }
            addMessage("operator", data.text, data.actions, { at: data.at });
          }
          else if (event === "mode") {
            setMode(data.mode);
            if (data.text) addMessage("assistant", data.text, [], { at: data.at });  // "I'm back"
          }
        }
      }
    } catch { /* dropped: connect again */ }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

async function say(text, shown = text) {
  if (state.busy || !text.trim()) return;
  state.busy = true;
  $("send").disabled = true;
  showError(null);
  addMessage("customer", shown);
  closeConfirmations();
  $("typing").hidden = false;
  const draft = h("div", { class: "message assistant draft", "aria-hidden": "true" },
    h("div", { class: "bubble" }));
  try {
    const response = await send(text);
    if (!response.ok) throw new Error(String(response.status));
    for await (const { event, data } of serverEvents(response)) {
      if (event === "token") {
        if (!draft.isConnected) log.append(draft);
        draft.firstChild.textContent += data.text;
        $("typing").hidden = true;
        scrollDown();
      } else if (event === "reset") {
        draft.firstChild.textContent = "";
      } else if (event === "response") {
        draft.remove();
        ready();  // the turn is over: Send works again before the stream has quite closed
        answer(data);
      } else if (event === "error") {
        throw new Error("stream");
      }
    }
  } catch (error) {
    draft.remove();
    const code = String(error.message);
    showError(code === "429" ? "slow" : code === "409" ? "busy" : code === "401" ? "signin"
      : navigator.onLine ? "error" : "offline");
  } finally {
    ready();
  }
}

/** Ready for the customer's next message. */
function ready() {
  state.busy = false;
  $("typing").hidden = true;
  $("send").disabled = false;
}

async function send(text) {
  const body = JSON.stringify({ user_id: state.user, session_id: state.session, message: text,
    channel: "web" });
  for (let attempt = 0; ; attempt += 1) {
    const response = await call("/chat/stream", { method: "POST", body });
    if (response.status === 409 && attempt < 5) {  // the last turn is still being answered
      await new Promise((resolve) => setTimeout(resolve, 800));
      continue;
    }
    if (response.status === 401 && attempt === 0) {  // the token expired: renew, send again
      await renewNow();
      continue;
    }
    return response;
  }
}

function answer(result) {
  setLanguage(result.language || state.lang);
  if (result.mode) setMode(result.mode, false);
  state.pending = result.awaiting_confirmation
    ? ((result.actions || []).filter((a) => a.confirmation_id).pop() || {}).confirmation_id
    : null;
  for (const a of result.actions || []) {
    if (a.type === "cart") state.inCart = new Set((a.items || []).map((i) => i.sku));
  }
  addMessage("assistant", result.reply, result.actions, { live: true });
}

// --- drawing ----------------------------------------------------------------------------------

function addMessage(role, text, actions = [], { at, live = false, local = false } = {}) {
  const key = `${role}|${at || ""}|${text}`;
  if (at && state.seen.has(key)) return;  // an operator's words come by history and by events
  state.seen.add(key);
  const shown = role === "customer" ? spoken(text) : withoutListed(text, actions);
  const who = h("span", { class: "visually-hidden" }, `${t(state.lang, role === "customer" ? "you" : role)}: `);
  const node = h("div", { class: `message ${role}${local ? " local" : ""}` },
    role === "operator" ? h("p", { class: "sender", "aria-hidden": "true" }, t(state.lang, "operator")) : null,
    shown ? h("div", { class: "bubble" }, who, shown) : null,
    cards(actions, { lang: state.lang, live, pending: state.pending, inCart: state.inCart,
      onAdd, onConfirm, onSay: (words, button) => { button.disabled = true; $("input").focus(); say(words); } }));
  log.append(node);
  scrollDown();
}

/** A reply without its numbered list of products when their cards show them below it. */
function withoutListed(text, actions) {
  const listed = (actions || []).some((a) => a.type === "product_list" && a.products.length);
  if (!listed) return text;
  const lines = String(text).split("\n");
  const kept = lines.filter((line) => !/^\s*\d+[.)]\s/.test(line));
  return kept.length && kept.length < lines.length ? kept.join("\n") : text;
}

/** What a customer's button press said, as words: never the confirmation's id. */
function spoken(text) {
  const button = /^confirm_(yes|no)(?::CNF-[0-9A-F]+)?$/.exec(String(text).trim());
  return button ? t(state.lang, button[1] === "yes" ? "yesSay" : "noSay") : text;
}

function onAdd(product, button) {
  if (button.classList.contains("done")) return;
  button.disabled = true;
  say(t(state.lang, "addSay", { sku: product.sku }), t(state.lang, "addSay", { sku: product.name }))
    .then(() => {
      button.disabled = false;
      if (state.inCart.has(product.sku)) markAdded(button, state.lang);
    });
}

function onConfirm(id, yes, label) {
  closeConfirmations();
  $("input").focus();  // the buttons are gone: keep the keyboard in the conversation
  say(`confirm_${yes ? "yes" : "no"}:${id}`, yes ? label : t(state.lang, "cancel"));
}

function closeConfirmations() {
  for (const box of log.querySelectorAll(".confirm")) box.remove();
}

/** The conversation's mode; a person joining or leaving is said once, in the log. */
function setMode(mode, announce = true) {
  if (!mode || mode === state.mode) return;
  state.mode = mode;
  if (announce) log.append(h("p", { class: "system" }, t(state.lang, mode === "human" ? "joined" : "handback")));
  state.announced = announce && mode === "human";
  $("status").textContent = t(state.lang, mode === "human" ? "human" : "online");
  document.body.classList.toggle("human", mode === "human");
  scrollDown();
}

function setLanguage(lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
  $("title").textContent = t(lang, "title");
  $("status").textContent = t(lang, state.mode === "human" ? "human" : "online");
  $("input").placeholder = t(lang, "placeholder");
  $("input-label").textContent = t(lang, "message");
  $("send").setAttribute("aria-label", t(lang, "send"));
  $("close").setAttribute("aria-label", t(lang, "close"));
  $("typing-text").textContent = t(lang, "typing");
  const welcome = log.querySelector(".message.local .bubble");  // our greeting, in their words
  if (welcome) welcome.lastChild.textContent = t(lang, "welcome");
}

function showError(key) {
  $("error").hidden = !key;
  $("error").textContent = key ? t(state.lang, key) : "";
}

function fail(key) {
  showError(key);
}

function scrollDown() {
  log.scrollTop = log.scrollHeight;
}

// --- the composer -----------------------------------------------------------------------------

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("input");
  const text = input.value;
  if (!text.trim() || state.busy) return;
  input.value = "";
  input.style.height = "";
  say(text);
});
$("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
$("input").addEventListener("input", (event) => {
  event.target.style.height = "";
  event.target.style.height = `${Math.min(event.target.scrollHeight, 120)}px`;
});
$("close").addEventListener("click", () => toParent({ type: "omnisales:close" }));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") toParent({ type: "omnisales:close" });
});

setLanguage(state.lang);
toParent({ type: "omnisales:ready" });
