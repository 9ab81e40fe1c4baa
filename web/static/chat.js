// The chat widget: talks to the web server's proxy of Rasa and shows every message as text, never as HTML.
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root) { return; }

  var endpoint = root.dataset.endpoint;
  var storageKey = root.dataset.storageKey;
  var planEndpoint = root.dataset.planEndpoint;
  var inline = root.dataset.inline === "true";
  var offlineText = root.dataset.offlineText;
  var csrfToken = root.dataset.csrfToken;  // the staff console's session token; the patients' widget has none

  var panel = byId("chat-panel");
  var launcher = byId("chat-launcher");
  var closeButton = byId("chat-close");
  var restartButton = byId("chat-restart");
  var log = byId("chat-log");
  var form = byId("chat-form");
  var input = byId("chat-input");
  var sendButton = byId("chat-send");
  var typing = byId("chat-typing");
  var banner = byId("chat-emergency");
  var urgentBanner = byId("chat-urgent");
  var planBox = byId("chat-plan");
  var planLink = byId("chat-plan-link");

  // An answer's citation is its last line, written "Source: <document>, <section>".
  var SOURCE_LINE = /^Source:\s/;
  var pending = false;
  var state = load();

  function byId(id) { return document.getElementById(id); }

  function newSender() {
    // getRandomValues works on plain http too, unlike crypto.randomUUID.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function fresh() {
    return { sender: newSender(), messages: [], open: false, emergency: false, urgent: false, plan: false };
  }

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(storageKey));
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.messages)) { return saved; }
    } catch (ignored) { /* storage blocked or corrupt: start a new conversation */ }
    return fresh();
  }

  function save() {
    try { window.sessionStorage.setItem(storageKey, JSON.stringify(state)); } catch (ignored) { /* private mode */ }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }  // text only: markup in a message stays visible text
    return node;
  }

  function messageElement(message) {
    var classes = "chat-message chat-message--" + (message.from === "user" ? "user" : "bot");
    if (message.urgency === "emergency" || message.urgency === "urgent") { classes += " chat-message--" + message.urgency; }
    if (message.error) { classes += " chat-message--error"; }
    var item = element("li", classes);
    item.appendChild(element("span", "visually-hidden", message.from === "user" ? "You: " : "Assistant: "));

    var body = [];
    var citations = [];
    String(message.text || "").split("\n").forEach(function (line) {
      if (message.from !== "user" && SOURCE_LINE.test(line.trim())) { citations.push(line.trim()); }
      else { body.push(line); }
    });
    var bodyText = body.join("\n").trim();
    if (bodyText) { item.appendChild(element("p", "chat-text", bodyText)); }
    citations.forEach(function (citation) { item.appendChild(element("p", "chat-citation", citation)); });

    if (Array.isArray(message.buttons) && message.buttons.length) {
      var group = element("div", "chat-buttons");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      message.buttons.forEach(function (button) {
        var choice = element("button", "chat-button", String(button.title));
        choice.type = "button";
        choice.addEventListener("click", function () { send(String(button.payload), String(button.title)); });
        group.appendChild(choice);
      });
      item.appendChild(group);
    }
    return item;
  }

  function append(message) {
    state.messages.push(message);
    var item = log.appendChild(messageElement(message));
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function dropQuickReplies() {
    // Quick replies answer the latest question only; once the user speaks they are gone.
    state.messages.forEach(function (message) { delete message.buttons; });
    Array.prototype.forEach.call(log.querySelectorAll(".chat-buttons"), function (group) { group.remove(); });
  }

  function showState() {
    banner.hidden = !state.emergency;
    if (urgentBanner) { urgentBanner.hidden = state.emergency || !state.urgent; }
    if (planBox) {
      planBox.hidden = !(state.plan && planEndpoint);
      if (planEndpoint) { planLink.href = planEndpoint + "?sender=" + encodeURIComponent(state.sender); }
    }
  }

  function setBusy(busy) {
    pending = busy;
    typing.hidden = !busy;
    sendButton.disabled = busy;
    panel.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function receive(reply) {
    var first = null;
    var messages = Array.isArray(reply.messages) ? reply.messages : [];
    var emergency = messages.some(function (m) { return m && m.urgency === "emergency"; });
    var urgent = !emergency && messages.some(function (m) { return m && m.urgency === "urgent"; });
    // The patient confirmed "delete my conversation": nothing of it stays on the screen or in storage.
    var forget = messages.some(function (m) { return m && m.forget === true; });
    if (forget) { clear(); }
    messages.forEach(function (m) {
      if (!m || (typeof m.text !== "string" && !Array.isArray(m.buttons))) { return; }
      var buttons = (Array.isArray(m.buttons) ? m.buttons : []).map(function (b) {
        return { title: String(b.title), payload: String(b.payload) };
      });
      var item = append({ from: "bot", text: m.text || "", buttons: buttons,
                          urgency: emergency ? "emergency" : (urgent ? "urgent" : undefined) });
      first = first || item;
    });
    if (emergency) { state.emergency = true; }
    if (urgent) { state.urgent = true; }
    if (planEndpoint) { state.plan = reply.plan === true; }
    if (forget) { state.messages = []; }  // the confirmation shows now, but is not kept for a reload
    return first;
  }

  function send(message, shown) {
    if (pending || !message.trim()) { return; }
    dropQuickReplies();
    append({ from: "user", text: shown || message });
    save();
    setBusy(true);
    input.focus();
    window.fetch(endpoint, {
      method: "POST",
      headers: csrfToken ? { "Content-Type": "application/json", "X-CSRF-Token": csrfToken }
                         : { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ sender: state.sender, message: message })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(receive, function () {
      return append({ from: "bot", text: offlineText, error: true });
    }).then(function (first) {
      setBusy(false);
      showState();
      // A long reply is read from its start (the browser stops at the bottom when it all fits).
      log.scrollTop = first ? first.offsetTop - 8 : log.scrollHeight;
      save();
    });
  }

  function setOpen(open, moveFocus) {
    if (inline) { open = true; }
    panel.hidden = !open;
    if (launcher) {
      launcher.setAttribute("aria-expanded", open ? "true" : "false");
      launcher.hidden = open;
    }
    state.open = open;
    save();
    if (moveFocus) { (open || !launcher ? input : launcher).focus(); }
    if (open) { log.scrollTop = log.scrollHeight; }
  }

  function clear() {
    try { window.sessionStorage.removeItem(storageKey); } catch (ignored) { /* storage blocked */ }
    state = fresh();
    state.open = true;
    while (log.firstChild) { log.removeChild(log.firstChild); }
  }

  function restart() {
    clear();
    showState();
    save();
    input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim() || pending) { return; }
    input.value = "";
    send(text);
  });
  if (launcher) { launcher.addEventListener("click", function () { setOpen(true, true); }); }
  if (closeButton) { closeButton.addEventListener("click", function () { setOpen(false, true); }); }
  restartButton.addEventListener("click", restart);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !inline) { setOpen(false, true); }
  });

  // A reload shows the same conversation, in the same place.
  state.messages.forEach(function (message) { log.appendChild(messageElement(message)); });
  showState();
  setOpen(state.open || inline, false);
})();
