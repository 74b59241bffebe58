// Lesson page: study-time heartbeats and the inline check question.
//
// The server measures study time; this script only tells it that the page is
// open and visible. It beats every few seconds while the page is visible, stops
// while it is hidden (Page Visibility API), and sends a last beat with
// navigator.sendBeacon when the page is left. If another page or device takes
// over the learner's single study timer, this page stops and offers to resume.
(function () {
  "use strict";
  var panel = document.querySelector("[data-lesson]");
  if (!panel) { return; }

  var lessonId = panel.getAttribute("data-lesson");
  var url = panel.getAttribute("data-heartbeat-url");
  var csrf = panel.getAttribute("data-csrf");
  var intervalMs = Math.max(1, parseInt(panel.getAttribute("data-interval"), 10) || 15) * 1000;
  var state = {
    seconds: parseInt(panel.getAttribute("data-seconds"), 10) || 0,
    required: parseInt(panel.getAttribute("data-required"), 10) || 0,
    completed: panel.getAttribute("data-completed") === "1",
    checkPassed: panel.getAttribute("data-check-passed") === "1",
    active: true,
    running: false
  };
  // Messages come translated from the template (data-msg-* attributes).
  function msg(name) { return panel.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || ""; }
  var beatTimer = null;
  var tickTimer = null;
  var el = {
    seconds: panel.querySelector("[data-study-seconds]"),
    bar: panel.querySelector("[data-study-bar]"),
    status: panel.querySelector("[data-study-status]"),
    takeover: panel.querySelector("[data-study-takeover]"),
    resume: panel.querySelector("[data-study-resume]"),
    courseDone: panel.querySelector("[data-course-done]")
  };

  function badge(text, kind) {
    var span = document.createElement("span");
    span.className = "badge" + (kind ? " badge-" + kind : "");
    span.textContent = text;
    el.status.replaceChildren(span);
  }

  function clock(total) {
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = h && m < 10 ? "0" + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }

  function render() {
    var shown = Math.min(state.seconds, state.required || state.seconds);
    el.seconds.textContent = clock(state.seconds);
    el.bar.style.width = (state.required ? Math.min(100, Math.floor(100 * shown / state.required)) : 100) + "%";
    if (state.completed) {
      badge(msg("done"), "ok");
    } else if (!state.active) {
      badge(msg("elsewhere"), "warn");
    } else if (state.seconds >= state.required && !state.checkPassed) {
      badge(msg("needCheck"), "warn");
    } else if (state.running) {
      badge(msg("running"));
    } else {
      badge(msg("paused"));
    }
    el.takeover.hidden = state.active;
  }

  function apply(data) {
    if (!data || data.error) {
      state.running = false;
      if (data && data.error) { badge(data.error, "bad"); }
      stop();
      return;
    }
    state.seconds = data.seconds;
    state.required = data.required;
    state.completed = data.completed;
    state.checkPassed = data.check_passed;
    state.active = data.active;
    if (!data.active || data.completed) { stop(); }
    if (data.course_completed && el.courseDone) { el.courseDone.hidden = false; }
    render();
  }

  function post(payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) { return response.json(); });
  }

  function beat(claim) {
    post({ lesson: lessonId, visible: true, claim: !!claim })
      .then(apply)
      .catch(function () { badge(msg("offline"), "warn"); });
  }

  function start(claim) {
    stop();
    state.active = true;
    state.running = true;
    beat(claim);
    beatTimer = window.setInterval(function () { beat(false); }, intervalMs);
    // Between beats, count up locally so the learner sees time pass; the server's figure wins on each reply.
    tickTimer = window.setInterval(function () {
      if (state.running && state.active && !state.completed) { state.seconds += 1; render(); }
    }, 1000);
    render();
  }

  function stop() {
    if (beatTimer) { window.clearInterval(beatTimer); beatTimer = null; }
    if (tickTimer) { window.clearInterval(tickTimer); tickTimer = null; }
    state.running = false;
  }

  function finalBeat() {
    if (!state.running) { return; }
    stop();
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("lesson", lessonId);
    data.append("visible", "0");
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, data))) {
      fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true });
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      finalBeat();
      render();
    } else if (state.active) {
      start(true);
    }
  });
  window.addEventListener("pagehide", finalBeat);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.visibilityState === "visible") { start(true); }
  });
  if (el.resume) {
    el.resume.addEventListener("click", function () { start(true); });
  }

  // The check question: answered through a POST so the answer never reaches the page.
  var form = document.querySelector("[data-check-form]");
  if (form) {
    var result = form.querySelector("[data-check-result]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector("input[name=choice]:checked");
      if (!chosen) { result.textContent = msg("choose"); result.className = "check-result warn"; return; }
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify({ lesson: lessonId, choice: chosen.value })
      }).then(function (response) { return response.json(); }).then(function (data) {
        if (data.error) {
          result.textContent = data.error;
          result.className = "check-result bad";
          return;
        }
        if (data.correct) {
          result.textContent = msg("correct") + (data.explanation ? " " + data.explanation : "");
          result.className = "check-result ok";
        } else {
          result.textContent = msg("wrong");
          result.className = "check-result bad";
        }
        apply(Object.assign({}, data, { active: state.active }));
      }).catch(function () {
        result.textContent = msg("netError");
        result.className = "check-result warn";
      });
    });
  }

  render();
  if (state.completed) { return; }
  if (document.visibilityState === "visible") { start(true); }
})();
