// The chat page: a client of the HTTP API like any other (no build step, no library).
// The session in view is the URL's #session=<id>, so a reload resumes it.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY = "motus-api-key";
// The message of a turn this tab started, until the turn ends: the state holds it only then, and a
// reload in the middle of the turn (waiting for an approval, say) would otherwise not show it.
const SENT = "motus-sent-";
let sessionId = null;
let following = null; // the AbortController of the event stream being read

// ---- the API -------------------------------------------------------------------------------

class ApiError extends Error {}

async function api(method, path, body, accept, signal) {
  const headers = {};
  const key = sessionStorage.getItem(KEY);
  if (key) headers.Authorization = "Bearer " + key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (accept) headers.Accept = accept;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal,
  });
  if (response.status === 401) {
    $("key-form").hidden = false;
    $("api-key").focus();
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = await response.json();
      detail = typeof problem.detail === "string" ? problem.detail : JSON.stringify(problem.detail);
    } catch (e) { /* not JSON: the status text says enough */ }
    throw new ApiError(response.status + ": " + detail);
  }
  return response;
}

const getJson = async (path) => (await api("GET", path)).json();

// A request whose answer is an event stream; it replaces the stream being followed.
function openStream(method, path, body) {
  stopFollowing();
  following = new AbortController();
  return api(method, path, body, "text/event-stream", following.signal);
}

// Reads a text/event-stream response, calling onEvent(name, data) for each event.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

// ---- what the page shows -------------------------------------------------------------------

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

function setStatus(session) {
  const status = session ? session.status : null;
  const words = {
    idle: "Ready.", running: "The agent is working…", interrupted: "The agent is waiting for you.",
    error: "The last turn failed: " + (session && session.error),
  };
  $("status").textContent = session ? "Session " + session.session_id + ": " + (words[status] || status) : "";
  $("status").dataset.status = status || "";
  $("cancel").hidden = !(status === "running" || status === "interrupted");
  $("send").disabled = status === "running" || status === "interrupted";
  if (status === "error") showError("Error: " + session.error);
}

function messageItem(role, text, extraClass) {
  const item = document.createElement("li");
  item.className = extraClass || role;
  const label = document.createElement("span");
  label.className = "role";
  label.textContent = role;
  item.append(label, role === "assistant" && !extraClass?.includes("streaming") ? markdown(text) : document.createTextNode(text));
  return item;
}

// The Markdown agents write (paragraphs, headings, lists, code, emphasis, links), built as DOM
// nodes from text: nothing the agent writes is ever parsed as HTML, and only http(s) links link.
function markdown(text) {
  const body = document.createElement("div");
  body.className = "markdown";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length;) {
    const line = lines[i];
    if (line.startsWith("```")) {
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith("```"); i++) code.push(lines[i]);
      i++;
      const pre = document.createElement("pre");
      pre.append(element("code", code.join("\n")));
      body.append(pre);
    } else if (/^#{1,6} /.test(line)) {
      const heading = document.createElement("h" + Math.min(6, line.indexOf(" ") + 2));
      heading.append(...inline(line.slice(line.indexOf(" ") + 1)));
      body.append(heading);
      i++;
    } else if (/^\s*([-*]|\d+\.) /.test(line)) {
      const ordered = /^\s*\d+\. /.test(line);
      const list = document.createElement(ordered ? "ol" : "ul");
      for (; i < lines.length && /^\s*([-*]|\d+\.) /.test(lines[i]); i++) {
        const entry = document.createElement("li");
        entry.append(...inline(lines[i].replace(/^\s*([-*]|\d+\.) /, "")));
        list.append(entry);
      }
      body.append(list);
    } else if (line.trim() === "") {
      i++;
    } else {
      const paragraph = document.createElement("p");
      for (let first = true; i < lines.length && lines[i].trim() !== "" && !/^(```|#{1,6} |\s*([-*]|\d+\.) )/.test(lines[i]); i++) {
        if (!first) paragraph.append(document.createElement("br"));
        paragraph.append(...inline(lines[i]));
        first = false;
      }
      body.append(paragraph);
    }
  }
  return body;
}

// Code, bold, italic (an underscore inside a word, as in snake_case, is no emphasis) and links.
function inline(text) {
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|(?<!\w)_([^_\s][^_]*)_(?!\w)|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g;
  const nodes = [];
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    nodes.push(document.createTextNode(text.slice(at, match.index)));
    if (match[1] !== undefined) nodes.push(element("code", match[1]));
    else if (match[2] !== undefined) nodes.push(element("strong", match[2]));
    else if (match[3] !== undefined || match[4] !== undefined) nodes.push(element("em", match[3] ?? match[4]));
    else {
      const link = element("a", match[5]);
      link.href = match[6];
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      nodes.push(link);
    }
    at = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

function element(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

function renderMessages(messages) {
  const list = $("messages");
  list.replaceChildren();
  for (const m of messages) {
    if (m.content !== null && m.content !== undefined && (m.content !== "" || !m.tool_calls)) {
      const role = m.role === "tool" ? "tool result" + (m.name ? " (" + m.name + ")" : "") : m.role;
      list.append(messageItem(role, m.content, m.role));
    }
    for (const call of m.tool_calls || []) {
      list.append(messageItem("tool call", call.function.name + "(" + call.function.arguments + ")", "call"));
    }
  }
}

function streamingItem() {
  let item = $("messages").querySelector("li.streaming");
  if (!item) {
    item = messageItem("assistant", "", "assistant streaming");
    $("messages").append(item);
  }
  return item;
}

function renderInterrupts(interrupts) {
  const box = $("interrupts");
  box.replaceChildren();
  for (const info of interrupts || []) box.append(interruptForm(info));
  const first = box.querySelector("button, input");
  if (first) first.focus();
}

function interruptForm(info) {
  const form = document.createElement("form");
  form.className = "interrupt";
  form.dataset.interruptId = info.interrupt_id;
  form.setAttribute("aria-label", "The agent asks");
  const payload = info.payload || {};
  const answer = (value) => resume(info.interrupt_id, value);
  if (info.type === "tool_approval") {
    const title = document.createElement("p");
    title.textContent = "Agent wants to call: " + payload.tool_name;
    const args = document.createElement("pre");
    args.textContent = JSON.stringify(payload.tool_args, null, 2);
    const approve = button("Approve", () => answer({ approved: true }), "primary");
    const reject = button("Reject", () => answer({ approved: false }));
    form.append(title, args, approve, reject);
  } else if (info.type === "user_input") {
    const answers = {};
    (payload.questions || []).forEach((q, index) => {
      const set = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = q.question;
      set.append(legend);
      const name = "q" + index;
      for (const option of q.options || []) {
        set.append(radio(name, option.label, option.label + (option.description ? " — " + option.description : "")));
      }
      const other = radio(name, "", "Other:");
      const text = document.createElement("input");
      text.type = "text";
      text.setAttribute("aria-label", "Your own answer to: " + q.question);
      text.addEventListener("input", () => { other.querySelector("input").checked = true; });
      other.append(text);
      set.append(other);
      answers[q.question] = () => {
        const chosen = set.querySelector("input[type=radio]:checked");
        return chosen && chosen.value !== "" ? chosen.value : text.value;
      };
      form.append(set);
    });
    form.append(button("Answer", () => {
      const values = {};
      for (const [question, read] of Object.entries(answers)) values[question] = read();
      answer({ answers: values });
    }, "primary"));
  } else {
    const title = document.createElement("p");
    title.textContent = "The agent asks (" + info.type + "):";
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(payload, null, 2);
    const value = document.createElement("textarea");
    value.setAttribute("aria-label", "Your answer, as JSON");
    form.append(title, pre, value, button("Answer", () => {
      let parsed;
      try { parsed = JSON.parse(value.value); } catch (e) { parsed = value.value; }
      answer(parsed);
    }, "primary"));
  }
  form.addEventListener("submit", (e) => e.preventDefault());
  return form;
}

function button(text, onClick, extraClass) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (extraClass) b.className = extraClass;
  b.addEventListener("click", () => run(onClick));
  return b;
}

function radio(name, value, text) {
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.type = "radio";
  input.name = name;
  input.value = value;
  label.append(input, document.createTextNode(" " + text + " "));
  const line = document.createElement("div");
  line.append(label);
  return line;
}

// ---- what the user does --------------------------------------------------------------------

function errorText(e) {
  return e instanceof ApiError ? e.message : "Error: " + e.message;
}

// Runs an action, showing its failure instead of losing it.
async function run(action) {
  showError("");
  try {
    await action();
  } catch (e) {
    if (e.name !== "AbortError") showError(errorText(e));
  }
}

async function open(id) {
  stopFollowing();
  sessionId = id;
  if (location.hash !== "#session=" + id) history.replaceState(null, "", "#session=" + id);
  const session = await getJson("/sessions/" + encodeURIComponent(id));
  renderMessages(await getJson("/sessions/" + encodeURIComponent(id) + "/messages"));
  setStatus(session);
  renderInterrupts(session.interrupts);
  if (session.status === "running" || session.status === "interrupted") {
    const sent = sessionStorage.getItem(SENT + id);
    if (sent !== null) $("messages").append(messageItem("user", sent));
    follow(openStream("GET", "/sessions/" + encodeURIComponent(id) + "/events"));
  } else {
    sessionStorage.removeItem(SENT + id);
  }
}

async function newSession() {
  const session = await (await api("POST", "/sessions", {})).json();
  await open(session.session_id);
  refreshSessions();
  $("message").focus();
}

async function send() {
  const text = $("message").value;
  if (!text.trim()) return;
  if (!sessionId) await newSession();
  const started = openStream("POST", "/sessions/" + encodeURIComponent(sessionId) + "/messages", { content: text });
  try {
    await started; // a refusal (409, 422, ...) keeps the text for another try
  } catch (e) {
    following = null;
    throw e;
  }
  $("message").value = "";
  $("messages").append(messageItem("user", text));
  sessionStorage.setItem(SENT + sessionId, text);
  setStatus({ session_id: sessionId, status: "running" });
  follow(started);
}

// Follows a turn's events until its done event: deltas into a streaming reply, questions as forms.
// A stream that breaks off before its done event (a proxy, the network) is picked up again.
function follow(responsePromise) {
  const mine = following;
  run(async () => {
    let finished = false;
    const response = await responsePromise;
    await readEvents(response, (name, data) => {
      if (name === "delta") {
        streamingItem().append(document.createTextNode(data.text));
      } else if (name === "agent") {
        $("status").textContent = "The agent is working… (" + data.type
            + (data.data === null || data.data === undefined ? "" : ": " + JSON.stringify(data.data)) + ")";
      } else if (name === "interrupted") {
        setStatus({ session_id: sessionId, status: "interrupted" });
        renderInterrupts(data.interrupts);
      } else if (name === "resumed") {
        setStatus({ session_id: sessionId, status: "running" });
      } else if (name === "done") {
        finished = true;
        sessionStorage.removeItem(SENT + sessionId);
        renderInterrupts([]);
        setStatus(data);
        // Not through run(), which clears the error shown: the one this turn just ended with.
        refreshAfterTurn().catch((e) => showError(errorText(e)));
      }
    });
    if (following === mine) {
      following = null;
      if (!finished) await open(sessionId);
    }
  });
}

async function refreshAfterTurn() {
  renderMessages(await getJson("/sessions/" + encodeURIComponent(sessionId) + "/messages"));
  await refreshSessions();
}

function stopFollowing() {
  if (following) following.abort();
  following = null;
}

async function resume(interruptId, value) {
  const answer = await (await api("POST", "/sessions/" + encodeURIComponent(sessionId) + "/resume",
      { interrupt_id: interruptId, value })).json();
  // The turn may have ended, and its done event been shown, while this answer was on its way back:
  // marking the session running then would leave it so, with the send button disabled.
  if ($("status").dataset.status !== "interrupted") return;
  const form = [...$("interrupts").children].find((f) => f.dataset.interruptId === interruptId);
  if (form) form.remove(); // others may still wait for an answer: then the status stays interrupted
  setStatus({ session_id: sessionId, status: answer.status });
  if (!following) follow(openStream("GET", "/sessions/" + encodeURIComponent(sessionId) + "/events"));
}

async function cancel() {
  const session = await (await api("POST", "/sessions/" + encodeURIComponent(sessionId) + "/cancel")).json();
  setStatus(session);
}

async function refreshSessions() {
  const list = $("session-list");
  const sessions = await getJson("/sessions");
  list.replaceChildren();
  for (const s of sessions) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#session=" + s.session_id;
    link.textContent = s.session_id;
    link.title = s.status + ", " + s.total_messages + " messages";
    const remove = button("Delete", () => removeSession(s.session_id));
    remove.setAttribute("aria-label", "Delete session " + s.session_id);
    item.append(link, remove);
    list.append(item);
  }
}

async function removeSession(id) {
  await api("DELETE", "/sessions/" + encodeURIComponent(id));
  if (id === sessionId) {
    stopFollowing();
    sessionId = null;
    history.replaceState(null, "", "#");
    $("messages").replaceChildren();
    renderInterrupts([]);
    $("status").textContent = "Session deleted.";
    $("status").dataset.status = "";
    $("cancel").hidden = true;
    $("send").disabled = false;
  }
  await refreshSessions();
}

function fromHash() {
  const match = /^#session=(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

// ---- wiring --------------------------------------------------------------------------------

$("send-form").addEventListener("submit", (e) => { e.preventDefault(); run(send); });
$("message").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); run(send); }
});
$("new-session").addEventListener("click", () => run(newSession));
$("cancel").addEventListener("click", () => run(cancel));
$("toggle-sessions").addEventListener("click", () => {
  const nav = $("sessions");
  nav.hidden = !nav.hidden;
  $("toggle-sessions").setAttribute("aria-expanded", String(!nav.hidden));
  if (!nav.hidden) run(refreshSessions);
});
$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $("api-key").value);
  $("key-form").hidden = true;
  run(start);
});
window.addEventListener("hashchange", () => {
  const id = fromHash();
  if (id && id !== sessionId) run(() => open(id));
});

// Which agent this is: the A2A card's name (the card is public; without A2A the page stays generic).
async function showAgent() {
  const response = await fetch("/.well-known/agent-card.json");
  if (!response.ok) return;
  const card = await response.json();
  $("agent").textContent = card.name;
  $("agent").title = card.description;
  document.title = card.name + " · motus serve";
}

async function start() {
  showAgent().catch(() => { /* no card: the page stays generic */ });
  const id = fromHash();
  if (id) await open(id);
  await refreshSessions();
}

run(start);
