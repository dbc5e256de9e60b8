// Progressive enhancement of the questionnaire; without JavaScript the form works as it is.
// - Saves the answers in this browser as the person goes (and the submission id), so a reload,
//   a closed tab or a dropped connection loses nothing; cleared once the answers are stored.
// - On small screens shows one statement at a time, with big buttons kept in view and one
//   counter, asks before an unanswered statement is skipped (and does not skip a required one),
//   and after a reload goes back to the first statement still unanswered.
// - Sends with fetch and, when the network or the server is down (or the answer does not come),
//   retries by itself with the same submission id (the server stores it once, however many
//   times it arrives), at once when the phone is back online.
(function () {
  "use strict";
  var DRAFT_DAYS = 7;
  var TIMEOUT_MS = 30000;
  var form = document.querySelector("form[data-draft-key]");
  var done = document.querySelector("[data-clear-draft]");
  function storage() { try { return window.localStorage; } catch (e) { return null; } }
  if (done && storage()) { storage().removeItem(done.getAttribute("data-clear-draft")); }
  if (!form) { return; }
  var key = form.getAttribute("data-draft-key");
  var store = storage();
  var texts = JSON.parse(form.getAttribute("data-texts") || "{}");
  var status = document.getElementById("send-status");
  var submitButton = form.querySelector("[type=submit]");
  var serverErrors = !!form.querySelector(".field-error");

  function save() {
    if (!store) { return; }
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "website") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data[el.name] = el.value;
    });
    try { store.setItem(key, JSON.stringify({ savedAt: Date.now(), fields: data })); } catch (e) { /* full */ }
  }
  function restore() {
    if (!store || serverErrors) { return false; }  // the server's version wins
    var draft;
    try { draft = JSON.parse(store.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.fields || Date.now() - draft.savedAt > DRAFT_DAYS * 864e5) { return false; }
    Object.keys(draft.fields).forEach(function (name) {
      var value = draft.fields[name];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) { return; }
        if (el.type === "radio" || el.type === "checkbox") { el.checked = el.value === value; } else { el.value = value; }
      });
    });
    return true;
  }
  var restored = restore();
  form.addEventListener("change", save);
  form.addEventListener("input", save);

  // one statement per screen on phones: the title and the instructions on the first only, one
  // counter above the statement, Indietro / Avanti (or the send button) kept at the screen's foot;
  // "Avanti" on an unanswered question asks once (an optional one is then skipped, a required
  // one is not), with the prompt focused so that a screen reader reads it at once
  var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var current = 0;
  var stepping = false;
  var intro = document.querySelector(".intro");
  var title = document.querySelector("main h1");
  var prompt = null;
  var asked = -1;  // the optional step whose prompt was shown: a second "Avanti" skips it
  function describedBy(step, add) {
    var ids = (step.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== prompt.id;
    });
    if (add) { ids.push(prompt.id); }
    if (ids.length) { step.setAttribute("aria-describedby", ids.join(" ")); } else { step.removeAttribute("aria-describedby"); }
  }
  function clearPrompt() {
    if (prompt.parentNode) { describedBy(prompt.parentNode, false); }
    prompt.hidden = true;
    asked = -1;
  }
  function show(index, focus) {
    clearPrompt();
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (step, i) { step.hidden = i !== current; });
    if (intro) { intro.hidden = current !== 0; }
    if (title) { title.classList.toggle("visually-hidden", current !== 0); }
    var section = steps[current].getAttribute("data-section");
    document.getElementById("step-section").textContent = section ? section + " · " : "";
    document.getElementById("step-number").textContent =
      (texts.step || "{n}/{total}").replace("{n}", current + 1).replace("{total}", steps.length);
    form.querySelector("[data-prev]").hidden = current === 0;
    form.querySelector("[data-next]").hidden = current === steps.length - 1;
    submitButton.hidden = current !== steps.length - 1;
    if (focus) {
      window.scrollTo(0, 0);
      var heading = steps[current].querySelector("legend, label, h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  }
  function answered(step) {
    var radios = step.querySelectorAll("input[type=radio]");
    if (radios.length) { return Array.prototype.some.call(radios, function (r) { return r.checked; }); }
    var select = step.querySelector("select");
    if (select) { return select.value !== ""; }
    var code = step.querySelector("input[type=text]");
    return !code || code.value.trim() !== "";  // a comment is free: never asked for
  }
  function ask(index) {
    var step = steps[index];
    var required = step.hasAttribute("data-required");
    prompt.textContent = required
      ? texts.skip_required + (step.querySelector(".choice.na") ? " " + texts.skip_dont_know : "")
      : texts.skip_optional;
    var heading = step.querySelector("legend, label.field");
    step.insertBefore(prompt, heading ? heading.nextSibling : step.firstChild);
    describedBy(step, true);
    prompt.hidden = false;
    asked = required ? -1 : index;
    prompt.focus();
  }
  function next() {
    if (answered(steps[current]) || asked === current) { show(current + 1, true); } else { ask(current); }
  }
  function stepOf(element) {
    for (var i = 0; i < steps.length; i++) { if (steps[i].contains(element)) { return i; } }
    return -1;
  }
  if (steps.length > 1 && window.matchMedia && window.matchMedia("(max-width: 47.99rem)").matches) {
    stepping = true;
    var slot = submitButton.parentNode;
    var uiLang = slot.lang ? ' lang="' + slot.lang + '"' + (slot.dir ? ' dir="' + slot.dir + '"' : "") : "";
    var count = document.createElement("p");
    count.className = "step-count";
    count.setAttribute("aria-live", "polite");
    count.innerHTML = '<span id="step-section" lang="' + document.documentElement.lang + '"></span>' +
      '<span id="step-number"' + uiLang + '></span>';
    form.insertBefore(count, steps[0]);
    prompt = document.createElement("p");
    prompt.id = "step-prompt";
    prompt.className = "step-prompt";
    prompt.tabIndex = -1;
    prompt.hidden = true;
    if (slot.lang) { prompt.lang = slot.lang; }
    if (slot.dir) { prompt.dir = slot.dir; }
    var nav = document.createElement("div");
    nav.className = "stepper";
    if (slot.lang) { nav.lang = slot.lang; }
    if (slot.dir) { nav.dir = slot.dir; }
    nav.innerHTML = '<button type="button" class="btn btn-secondary" data-prev></button>' +
      '<button type="button" class="btn" data-next></button>';
    nav.querySelector("[data-prev]").textContent = texts.previous || "Indietro";
    nav.querySelector("[data-next]").textContent = texts.next || "Avanti";
    nav.appendChild(submitButton);
    form.insertBefore(nav, slot);
    slot.hidden = true;
    form.classList.add("stepping");
    // a class on <main> too: old phone browsers do not know :has()
    if (form.closest("main")) { form.closest("main").classList.add("main-stepping"); }
    nav.querySelector("[data-prev]").addEventListener("click", function () { show(current - 1, true); });
    nav.querySelector("[data-next]").addEventListener("click", next);
    form.addEventListener("change", function () {
      if (!prompt.hidden && answered(steps[current])) { clearPrompt(); }
    });
    var first = 0;
    if (serverErrors) {
      first = Math.max(0, steps.findIndex(function (s) { return s.querySelector(".field-error"); }));
    } else if (restored) {
      first = steps.findIndex(function (s) { return !answered(s); });
      if (first < 0) { first = steps.length - 1; }
    }
    show(first, false);
    // the error summary's links lead to statements that may be on another screen
    Array.prototype.forEach.call(document.querySelectorAll("#notice a[href^='#']"), function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        var index = target ? stepOf(target) : -1;
        if (index < 0) { return; }
        event.preventDefault();
        show(index, true);
      });
    });
  }
  // Enter in a field before the last screen goes on rather than sending; a required statement
  // left unanswered (a draft from an older page) is shown, with its prompt, before sending
  function heldBack() {
    if (!stepping) { return false; }
    if (current < steps.length - 1) { next(); return true; }
    var missing = steps.findIndex(function (s) { return s.hasAttribute("data-required") && !answered(s); });
    if (missing < 0) { return false; }
    show(missing, false);
    ask(missing);
    return true;
  }
  var notice = document.getElementById("notice");
  if (notice && serverErrors) { notice.focus(); }

  // sending, with automatic retries when offline, on timeouts and when the server answers 503
  var delay = 2000;
  var inFlight = false;
  var sent = false;
  var retryTimer = null;
  function say(message) { if (status) { status.textContent = message; } }
  function retryLater() {
    inFlight = false;
    say((texts.retrying || "").replace("{s}", Math.round(delay / 1000)));
    retryTimer = setTimeout(send, delay);
    delay = Math.min(delay * 2, 30000);
  }
  function send() {
    if (inFlight) { return; }
    clearTimeout(retryTimer);
    retryTimer = null;
    inFlight = true;
    var body = new URLSearchParams(new FormData(form));
    // the server answers a stored submission with a redirect to the thank-you page; following it
    // here would fetch that page once for nothing before the browser loads it (a round trip on a
    // mountain line): the redirect is taken as the answer, and the browser goes there itself
    var options = { method: "POST", body: body, credentials: "same-origin", redirect: "manual" };
    var timer = null;
    if (window.AbortController) {
      var controller = new AbortController();
      options.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    }
    say(texts.sending || "");
    fetch(form.action, options)
      .then(function (response) {
        clearTimeout(timer);
        // busy or unreachable database, or too many answers from this network: try again later
        if (response.status === 503 || response.status === 429) { throw new Error("unavailable"); }
        if (response.type === "opaqueredirect") {
          sent = true;
          window.location.assign(form.getAttribute("data-thanks-url"));
          return null;
        }
        // invalid answers, expired page...: let the server's page explain, answers included
        return response.text().then(function (html) {
          inFlight = false;
          document.open(); document.write(html); document.close();
        });
      })
      .catch(function () {
        clearTimeout(timer);
        retryLater();
      });
  }
  // back to this page, kept whole by the browser, after it was stored: ask the server again,
  // which answers that this browser already sent it (nothing to send twice)
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && sent) { window.location.reload(); }
  });
  window.addEventListener("online", function () {
    delay = 2000;
    if (retryTimer !== null) { send(); }
  });
  form.addEventListener("submit", function (event) {
    if (heldBack()) { event.preventDefault(); return; }
    if (!window.fetch || !window.URLSearchParams || !window.FormData) { return; }
    event.preventDefault();
    save();
    send();  // a second tap while sending does nothing; while waiting to retry, it retries now
  });
}());
