// The attempt page: save every answer as the learner goes, never lose one, count down from the server's time.
//
// * Each change gets a sequence number (never smaller than the last one used for that
//   question, and at least Date.now()), so the server can keep the newest answer when
//   saves arrive late or twice.
// * Unsent answers live in localStorage until the server acknowledges them: a reload, a
//   lost connection or a closed tab resumes them; they are sent when the network returns.
// * On page hide the unsent answers go out with navigator.sendBeacon.
// * The page never receives the answer key; option values are display positions.
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
  var sections = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-item]"), function (el) {
    sections[el.getAttribute("data-item")] = el;
  });

  var serverSeq = {};
  var lastSeq = {};
  var pending = {};
  var rejected = {};  // answers the server refused (shown as unsaved, with the reason, until changed)
  var states = {};
  var inflight = false;
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
      }
    });
  }

  // --- reading and writing answers -----------------------------------------------
  function isText(section) {
    var q = section.getAttribute("data-qtype");
    return q === "fill" || q === "short";
  }

  function readResponse(section) {
    if (isText(section)) {
      var value = section.querySelector("[data-answer]").value;
      return value.trim() ? value : null;
    }
    var picked = Array.prototype.map.call(section.querySelectorAll("[data-answer]:checked"), function (el) {
      return parseInt(el.value, 10);
    });
    if (section.getAttribute("data-qtype") === "multiple") return picked.length ? picked : null;
    return picked.length ? picked[0] : null;
  }

  function writeResponse(section, response) {
    if (isText(section)) {
      section.querySelector("[data-answer]").value = response || "";
      return;
    }
    var chosen = response === null || response === undefined ? [] : [].concat(response);
    Array.prototype.forEach.call(section.querySelectorAll("[data-answer]"), function (el) {
      el.checked = chosen.indexOf(parseInt(el.value, 10)) !== -1;
    });
  }

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

  function refreshSummary() {
    var total = Object.keys(sections).length;
    var saved = 0;
    Object.keys(sections).forEach(function (pos) {
      if (!pending[pos] && !rejected[pos] && readResponse(sections[pos]) !== null) saved += 1;
    });
    summaryEl.textContent = fmt(t.summary, { saved: saved, total: total });
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
    pending[pos] = { item: parseInt(pos, 10), seq: nextSeq(pos), response: readResponse(section) };
    persist();
    setState(pos, "unsaved");
    refreshSummary();
    schedule(isText(section) ? TEXT_DELAY : CHOICE_DELAY);
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
    if (inflight || closed) return Promise.resolve();
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
        syncClock(data.remaining_seconds);
        Object.keys(data.answers).forEach(function (pos) {
          var a = data.answers[pos];
          serverSeq[pos] = Math.max(serverSeq[pos] || 0, a.seq);
          if (!pending[pos] && !rejected[pos] && sections[pos]) { writeResponse(sections[pos], a.response); settle(pos); }
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
    Array.prototype.forEach.call(paper.querySelectorAll("input, textarea"), function (el) { el.disabled = true; });
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

  // --- submit --------------------------------------------------------------------
  function onSubmit(event) {
    event.preventDefault();
    if (closed) return;
    var unanswered = Object.keys(sections).filter(function (pos) { return readResponse(sections[pos]) === null; }).length;
    var question = unanswered ? fmt(t.confirmUnanswered, { n: unanswered }) : t.confirm;
    if (!window.confirm(question)) return;
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
  paper.addEventListener("input", function (event) {
    if (event.target.matches("input[type=text], textarea")) onChange(event);
  });
  submitForm.addEventListener("submit", onSubmit);
  window.addEventListener("online", function () { setNet(t.online, false); retryDelay = 1000; flush(); });
  window.addEventListener("offline", function () { setNet(t.offline, true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beacon();
    else { refreshState(); flush(); }
  });
  window.addEventListener("pagehide", beacon);
  if (!navigator.onLine) setNet(t.offline, true);
  tick();
  setInterval(tick, 1000);
  if (Object.keys(pending).length) flush();
})();
