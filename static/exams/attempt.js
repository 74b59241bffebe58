// The attempt page: save every answer as the learner goes, never lose one, count down from the server's time.
//
// * Each change gets a sequence number (never smaller than the last one used for that
//   question, and at least Date.now()), so the server can keep the newest answer when
//   saves arrive late or twice.
// * Unsent answers live in localStorage until the server acknowledges them: a reload, a
//   lost connection or a closed tab resumes them; they are sent when the network returns.
// * On page hide the unsent answers go out with navigator.sendBeacon.
// * The page never receives the answer key; option values are display positions.
// * 答题卡: every question answered / unanswered / flagged; a flag travels with the question's
//   answer under the same sequence number, so the newest save decides both.
// * Integrity options (when the exam sets them): leaving the page is reported with the unsent
//   answers (saved first); full screen on PCs; copy/paste blocked in the paper; a page another
//   browser took the attempt over from stops, keeping its unsent answers in this browser.
(function () {
  "use strict";

  var cfgEl = document.getElementById("exam-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var t = document.querySelector("[data-i18n]").dataset;
  var STORE = "exam-attempt-" + cfg.attemptId;
  var TEXT_DELAY = 1200;
  var CHOICE_DELAY = 250;

  var paper = document.querySelector("[data-exam-paper]");
  var alertBox = document.querySelector("[data-exam-alert]");
  var countdownEl = document.querySelector("[data-countdown]");
  var summaryEl = document.querySelector("[data-save-summary]");
  var netEl = document.querySelector("[data-net-status]");
  var submitForm = document.querySelector("[data-submit-form]");
  var noticeEl = document.querySelector("[data-integrity-notice]");
  var cardEl = document.querySelector("[data-answer-card]");
  var cardToggle = document.querySelector("[data-card-toggle]");
  var backdrop = document.querySelector("[data-card-backdrop]");
  var integrity = cfg.integrity || {};
  var sections = {};
  var cells = {};
  var flags = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-item]"), function (el) {
    var pos = el.getAttribute("data-item");
    sections[pos] = el;
    var flagBtn = el.querySelector("[data-flag]");
    flags[pos] = !!flagBtn && flagBtn.getAttribute("aria-pressed") === "true";
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-card-item]"), function (el) {
    cells[el.getAttribute("data-card-item")] = el;
  });

  var serverSeq = {};
  var lastSeq = {};
  var pending = {};
  var rejected = {};  // answers the server refused (shown as unsaved, with the reason, until changed)
  var states = {};
  var inflight = false;
  var leaving = false;  // a report of leaving the page, carrying the unsent answers, is on its way
  var oneAtATime = false;
  var closed = false;
  var flushTimer = null;
  var retryDelay = 1000;
  var endAt = Date.now() + cfg.remainingSeconds * 1000;

  Object.keys(cfg.seqs).forEach(function (pos) { serverSeq[pos] = cfg.seqs[pos]; });

  function csrfToken() {
    var input = submitForm.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  // --- storage -------------------------------------------------------------------
  function persist() {
    try {
      if (Object.keys(pending).length) {
        localStorage.setItem(STORE, JSON.stringify({ pending: pending, lastSeq: lastSeq }));
      } else {
        localStorage.removeItem(STORE);
      }
    } catch (e) { /* private mode or full: the in-memory queue still works */ }
  }

  function restore() {
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { stored = null; }
    if (!stored) return;
    Object.keys(stored.lastSeq || {}).forEach(function (pos) {
      lastSeq[pos] = Math.max(lastSeq[pos] || 0, stored.lastSeq[pos]);
    });
    Object.keys(stored.pending || {}).forEach(function (pos) {
      var entry = stored.pending[pos];
      if (sections[pos] && entry.seq > (serverSeq[pos] || 0)) {
        pending[pos] = entry;
        writeResponse(sections[pos], entry.response);
        if (typeof entry.flagged === "boolean") setFlag(pos, entry.flagged);
      }
    });
  }

  // --- reading and writing answers -----------------------------------------------
  var isText = window.FazhiAnswers.isText;
  var readResponse = window.FazhiAnswers.read;
  var writeResponse = window.FazhiAnswers.write;

  function nextSeq(pos) {
    var seq = Math.max(Date.now(), (lastSeq[pos] || 0) + 1, (serverSeq[pos] || 0) + 1);
    lastSeq[pos] = seq;
    return seq;
  }

  // --- indicators ----------------------------------------------------------------
  var LABELS = { saved: t.saved, unsaved: t.unsaved, saving: t.saving, queued: t.queued, empty: t.unanswered };

  function setState(pos, state) {
    states[pos] = state;
    var el = sections[pos] && sections[pos].querySelector("[data-save-state]");
    if (el) {
      el.textContent = LABELS[state] || state;
      el.className = "save-state state-" + state;
    }
  }

  function setFlag(pos, on) {
    flags[pos] = !!on;
    var btn = sections[pos] && sections[pos].querySelector("[data-flag]");
    if (btn) {
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      btn.textContent = on ? t.flagged : t.flag;
    }
  }

  // The answer card: one cell per question, counts in the legend and on the toggle button.
  function refreshCard() {
    var answered = 0;
    var flagged = 0;
    var total = Object.keys(sections).length;
    Object.keys(sections).forEach(function (pos) {
      var isAnswered = readResponse(sections[pos]) !== null;
      if (isAnswered) answered += 1;
      if (flags[pos]) flagged += 1;
      var cell = cells[pos];
      if (!cell) return;
      cell.classList.toggle("answered", isAnswered);
      cell.classList.toggle("flagged", !!flags[pos]);
      var words = [isAnswered ? t.cardAnswered : t.cardUnanswered];
      if (flags[pos]) words.push(t.cardFlagged);
      cell.setAttribute("aria-label", fmt(t.cardState, { n: pos, state: words.join("，") }));
    });
    var set = function (sel, value) { var el = document.querySelector(sel); if (el) el.textContent = value; };
    set("[data-card-count]", answered + "/" + total);
    set("[data-count-answered]", answered);
    set("[data-count-unanswered]", total - answered);
    set("[data-count-flagged]", flagged);
    return { answered: answered, unanswered: total - answered, flagged: flagged };
  }

  function refreshSummary() {
    var total = Object.keys(sections).length;
    var saved = 0;
    Object.keys(sections).forEach(function (pos) {
      if (!pending[pos] && !rejected[pos] && readResponse(sections[pos]) !== null) saved += 1;
    });
    summaryEl.textContent = fmt(t.summary, { saved: saved, total: total });
    refreshCard();
  }

  function settle(pos) {
    if (pending[pos]) return;
    if (rejected[pos]) { setState(pos, "unsaved"); return; }
    setState(pos, readResponse(sections[pos]) === null && !(serverSeq[pos] > 0) ? "empty" : "saved");
  }

  function showAlert(message, link) {
    alertBox.textContent = message;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = " " + t.timeupLink;
      alertBox.appendChild(a);
    }
    alertBox.hidden = false;
  }

  function setNet(message, offline) {
    netEl.textContent = message || "";
    netEl.className = "net-status" + (offline ? " offline" : "");
  }

  // --- saving --------------------------------------------------------------------
  function onChange(event) {
    var section = event.target.closest("[data-item]");
    if (!section || closed) return;
    var pos = section.getAttribute("data-item");
    delete rejected[pos];
    queueAnswer(pos);
    persist();
    setState(pos, "unsaved");
    refreshSummary();
    schedule(isText(section) ? TEXT_DELAY : CHOICE_DELAY);
  }

  function queueAnswer(pos) {
    pending[pos] = { item: parseInt(pos, 10), seq: nextSeq(pos), response: readResponse(sections[pos]), flagged: !!flags[pos] };
  }

  function onFlag(event) {
    var btn = event.target.closest("[data-flag]");
    if (!btn || closed) return;
    var pos = btn.closest("[data-item]").getAttribute("data-item");
    setFlag(pos, !flags[pos]);
    delete rejected[pos];
    queueAnswer(pos);
    persist();
    setState(pos, "unsaved");
    refreshSummary();
    schedule(CHOICE_DELAY);
  }

  function schedule(delay) {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, delay);
  }

  function batch() {
    var keys = Object.keys(pending);
    if (oneAtATime) keys = keys.slice(0, 1);
    return keys.map(function (pos) { return pending[pos]; });
  }

  function flush() {
    flushTimer = null;
    if (inflight || leaving || closed) return Promise.resolve();
    var answers = batch();
    if (!answers.length) return Promise.resolve();
    inflight = true;
    answers.forEach(function (a) { setState(String(a.item), "saving"); });
    return fetch(cfg.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      body: JSON.stringify({ answers: answers }),
    })
      .then(function (resp) {
        return resp.json().then(function (data) { return { status: resp.status, data: data }; }, function () {
          return { status: resp.status, data: {} };
        });
      })
      .then(function (res) { inflight = false; handle(res, answers); }, function () { inflight = false; offline(answers); });
  }

  function handle(res, answers) {
    var data = res.data || {};
    if (res.status === 200 && data.ok) {
      retryDelay = 1000;
      oneAtATime = false;
      var stale = false;
      data.saved.forEach(function (r) {
        if (r.error) { refuse(r); return; }
        var pos = String(r.item);
        serverSeq[pos] = Math.max(serverSeq[pos] || 0, r.seq);
        if (!r.accepted) stale = true;
        if (pending[pos] && pending[pos].seq <= r.seq) delete pending[pos];
        if (pending[pos]) setState(pos, "unsaved"); else settle(pos);
      });
      persist();
      refreshSummary();
      setNet("", false);
      syncClock(data.remaining_seconds);
      if (stale) refreshState();
      if (Object.keys(pending).length) schedule(50);
      return;
    }
    if (res.status === 409 && data.code === "taken_over") { takenOver(data.error || t.takenOver); return; }
    if (res.status === 410 || res.status === 409) {
      timeUp(data.error || (res.status === 410 ? t.timeup : t.closed));
      return;
    }
    if (res.status === 401 || res.status === 403) {
      answers.forEach(function (a) { setState(String(a.item), "queued"); });
      showAlert(t.login);
      schedule(Math.min(retryDelay *= 2, 30000));
      return;
    }
    if (res.status === 400) {
      if (answers.length > 1) {
        oneAtATime = true;
      } else {
        var pos = String(answers[0].item);
        delete pending[pos];
        rejected[pos] = true;
        persist();
        setState(pos, "unsaved");
        showAlert(t.error + (data.error || ""));
      }
      if (Object.keys(pending).length) schedule(50);
      return;
    }
    offline(answers);
  }

  // The server refused this one answer (the others of the batch were saved): resending it would
  // be refused again, so it leaves the queue, stays marked unsaved and the reason is shown.
  function refuse(r) {
    var pos = r.item === null || r.item === undefined ? null : String(r.item);
    if (pos !== null && pending[pos] && (r.seq === null || pending[pos].seq <= r.seq)) delete pending[pos];
    if (pos !== null && sections[pos] && !pending[pos]) {
      rejected[pos] = true;
      setState(pos, "unsaved");
    }
    showAlert(t.error + r.error);
  }

  function offline(answers) {
    answers.forEach(function (a) { if (pending[String(a.item)]) setState(String(a.item), "queued"); });
    setNet(t.offline, true);
    retryDelay = Math.min(retryDelay * 2, 30000);
    schedule(retryDelay);
  }

  function beacon() {
    var answers = Object.keys(pending).map(function (pos) { return pending[pos]; });
    if (!answers.length || closed || !navigator.sendBeacon) return;
    var form = new FormData();
    form.append("csrfmiddlewaretoken", csrfToken());
    form.append("payload", JSON.stringify({ answers: answers }));
    navigator.sendBeacon(cfg.saveUrl, form);
  }

  function refreshState() {
    return fetch(cfg.stateUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (!data || !data.ok) return;
        if (data.status !== "in_progress") { timeUp(t.closed); return; }
        if (data.taken_over) { takenOver(t.takenOver); return; }
        syncClock(data.remaining_seconds);
        Object.keys(data.answers).forEach(function (pos) {
          var a = data.answers[pos];
          serverSeq[pos] = Math.max(serverSeq[pos] || 0, a.seq);
          if (!pending[pos] && !rejected[pos] && sections[pos]) {
            writeResponse(sections[pos], a.response);
            setFlag(pos, a.flagged);
            settle(pos);
          }
        });
        refreshSummary();
      })
      .catch(function () { /* offline: the next save retries */ });
  }

  // --- time ----------------------------------------------------------------------
  function syncClock(remaining) {
    if (typeof remaining === "number") endAt = Date.now() + remaining * 1000;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    var left = Math.max(0, Math.round((endAt - Date.now()) / 1000));
    var h = Math.floor(left / 3600);
    var m = Math.floor((left % 3600) / 60);
    var s = left % 60;
    countdownEl.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    countdownEl.classList.toggle("urgent", left <= 300);
    if (left <= 5 && Object.keys(pending).length && !inflight) flush();
    if (left <= 0 && !closed) timeUp(t.timeup);
  }

  function timeUp(message) {
    if (closed) return;
    closed = true;
    Array.prototype.forEach.call(paper.querySelectorAll("input, textarea, select"), function (el) { el.disabled = true; });
    var button = submitForm.querySelector("[data-submit]");
    if (button) button.disabled = true;
    try { localStorage.removeItem(STORE); } catch (e) { /* ignore */ }
    showAlert(message, cfg.resultUrl);
    // Hand in with what the server holds (idempotent; the deadline task would do it too).
    fetch(cfg.submitUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: "{}",
    }).catch(function () { /* the server finalises overdue attempts by itself */ });
  }

  // Another browser opened this attempt (one device at a time): stop here. Unsent answers stay in
  // this browser's storage and go out if the attempt is opened here again.
  function takenOver(message) {
    if (closed) return;
    closed = true;
    Array.prototype.forEach.call(paper.querySelectorAll("input, textarea, select, button"), function (el) { el.disabled = true; });
    var button = submitForm.querySelector("[data-submit]");
    if (button) button.disabled = true;
    showAlert(message);
  }

  // --- integrity options ------------------------------------------------------------
  var away = false;
  var confirming = false;
  var eventQueue = [];
  var eventTimer = null;

  function showNotice(message) {
    if (!noticeEl) return;
    noticeEl.textContent = message;
    noticeEl.hidden = !message;
  }

  function leavesNotice(leaves, limit) {
    if (!leaves) return;
    showNotice(limit ? fmt(t.leavesLimit, { n: leaves, limit: limit }) : fmt(t.leaves, { n: leaves }));
  }

  function sendEvents(events, withAnswers) {
    var body = { events: events };
    if (withAnswers) {
      var answers = Object.keys(pending).map(function (pos) { return pending[pos]; });
      if (answers.length) body.answers = answers;
    }
    var text = JSON.stringify(body);
    if (body.answers) leaving = true;
    var done = function () {
      if (!body.answers) return;
      leaving = false;
      if (!closed && Object.keys(pending).length) schedule(50);
    };
    return fetch(cfg.eventsUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: text.length < 60000,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: text,
    })
      .then(function (resp) { return resp.json().then(function (data) { return { status: resp.status, data: data }; }); })
      .then(function (res) {
        var data = res.data || {};
        done();
        if (res.status === 200 && data.ok) {
          if (data.closed) { timeUp(t.limitClosed); return; }
          leavesNotice(data.leaves, data.limit);
          return;
        }
        if (res.status === 409 && data.code === "taken_over") takenOver(data.error || t.takenOver);
        else if (res.status === 409 || res.status === 410) timeUp(data.error || t.closed);
      })
      .catch(function () { done(); /* offline: the event is lost, never an answer (they stay queued) */ });
  }

  function queueEvent(kind, details) {
    if (closed) return;
    eventQueue.push({ kind: kind, details: details || {} });
    if (!eventTimer) {
      eventTimer = setTimeout(function () {
        eventTimer = null;
        var events = eventQueue.splice(0, 50);
        if (events.length) sendEvents(events, false);
      }, 1000);
    }
  }

  function leftPage(via) {
    if (!integrity.countLeaves || away || closed || confirming) return;
    away = true;
    sendEvents([{ kind: "left_page", details: { via: via } }], true);
  }

  function back() { away = false; }

  function isPhone() {
    return (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) || window.innerWidth < 700;
  }

  function setupFullscreen() {
    var banner = document.querySelector("[data-fullscreen-banner]");
    var root = document.documentElement;
    if (!integrity.fullscreen || !banner || isPhone() || !root.requestFullscreen) return;
    var update = function () { banner.hidden = !!document.fullscreenElement || closed; };
    banner.querySelector("[data-fullscreen-enter]").addEventListener("click", function () {
      root.requestFullscreen().catch(function () { /* refused by the browser: the banner stays */ });
    });
    document.addEventListener("fullscreenchange", function () {
      if (!document.fullscreenElement && !closed) queueEvent("fullscreen_exit");
      update();
    });
    update();
  }

  function setupCopyBlock() {
    if (!integrity.blockCopy) return;
    ["copy", "cut", "paste", "contextmenu"].forEach(function (name) {
      paper.addEventListener(name, function (event) {
        event.preventDefault();
        showNotice(t.copyBlocked);
        queueEvent("copy_blocked", { action: name });
      });
    });
  }

  // --- the answer card (a side panel on wide screens, a bottom sheet on phones) ------------
  function openCard(open) {
    cardEl.classList.toggle("open", open);
    backdrop.hidden = !open;
    cardToggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { var first = cardEl.querySelector("[data-card-item]"); if (first) first.focus(); }
  }

  function setupCard() {
    cardToggle.addEventListener("click", function () { openCard(!cardEl.classList.contains("open")); });
    backdrop.addEventListener("click", function () { openCard(false); });
    cardEl.querySelector("[data-card-close]").addEventListener("click", function () { openCard(false); });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") openCard(false); });
    cardEl.addEventListener("click", function (event) {
      var cell = event.target.closest("[data-card-item]");
      if (!cell) return;
      event.preventDefault();
      var section = sections[cell.getAttribute("data-card-item")];
      openCard(false);
      section.scrollIntoView({ block: "start" });
      var input = section.querySelector("input, textarea");
      if (input) input.focus({ preventScroll: true });
      if (history.replaceState) history.replaceState(null, "", "#" + section.id);
    });
  }

  // --- submit --------------------------------------------------------------------
  function onSubmit(event) {
    event.preventDefault();
    if (closed) return;
    var counts = refreshCard();
    var question = t.confirm;
    if (counts.unanswered && counts.flagged) question = fmt(t.confirmBoth, { n: counts.unanswered, f: counts.flagged });
    else if (counts.unanswered) question = fmt(t.confirmUnanswered, { n: counts.unanswered });
    else if (counts.flagged) question = fmt(t.confirmFlagged, { f: counts.flagged });
    confirming = true;
    var sure = window.confirm(question);
    setTimeout(function () { confirming = false; }, 0);
    if (!sure) return;
    var attempt = function (tries) {
      return flush().then(function () {
        if (Object.keys(pending).length && tries > 0 && !closed) {
          return new Promise(function (r) { setTimeout(r, 300); }).then(function () { return attempt(tries - 1); });
        }
      });
    };
    attempt(10).then(function () {
      if (closed) return;
      if (Object.keys(pending).length) { showAlert(t.offline); return; }
      try { localStorage.removeItem(STORE); } catch (e) { /* ignore */ }
      closed = true;
      submitForm.submit();
    });
  }

  // --- wiring --------------------------------------------------------------------
  restore();
  Object.keys(sections).forEach(function (pos) {
    if (pending[pos]) setState(pos, "unsaved"); else settle(pos);
  });
  refreshSummary();
  // The paper is a form only for its controls: Enter in a text answer must not send it anywhere.
  paper.addEventListener("submit", function (event) { event.preventDefault(); });
  paper.addEventListener("change", onChange);
  paper.addEventListener("click", onFlag);
  paper.addEventListener("input", function (event) {
    if (event.target.matches("input[type=text], textarea")) onChange(event);
  });
  submitForm.addEventListener("submit", onSubmit);
  window.addEventListener("online", function () { setNet(t.online, false); retryDelay = 1000; flush(); });
  window.addEventListener("offline", function () { setNet(t.offline, true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { leftPage("hidden"); beacon(); }
    else { back(); refreshState(); flush(); }
  });
  window.addEventListener("blur", function () { leftPage("blur"); });
  window.addEventListener("focus", back);
  setupCard();
  setupFullscreen();
  setupCopyBlock();
  leavesNotice(integrity.leaves, integrity.leaveLimit);
  window.addEventListener("pagehide", beacon);
  if (!navigator.onLine) setNet(t.offline, true);
  tick();
  setInterval(tick, 1000);
  if (Object.keys(pending).length) flush();
})();
