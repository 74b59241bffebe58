// Lesson page: study-time heartbeats and the inline check question.
//
// The server measures study time; this script only tells it that the page is
// open and visible. It beats every few seconds while the page is visible, stops
// while it is hidden (Page Visibility API), and sends a last beat with
// navigator.sendBeacon when the page is left. If another page or device takes
// over the learner's single study timer, this page stops and offers to resume.
//
// A lesson with an uploaded video ([data-lesson-video]) counts only while a video
// plays and the page is visible: pausing sends a beat that stops the timer, hiding
// the page pauses the video. On a first viewing the player may seek back but not
// past the furthest point watched, until the video has once been watched to its
// end; that point is the learner's record on the server (it arrives in the
// #lesson-video-positions JSON and travels back inside the beats, only when it moved).
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
  var videos = Array.prototype.slice.call(document.querySelectorAll("video[data-lesson-video]"));
  var videoMode = videos.length > 0;
  var positions = {};  // block id → {furthest: seconds, ended: watched to the end once}
  var sent = {};       // what the server has acknowledged
  try {
    positions = JSON.parse((document.getElementById("lesson-video-positions") || {}).textContent || "{}") || {};
  } catch (e) { positions = {}; }
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
      badge(msg(videoMode ? "videoPaused" : "paused"));
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

  function videoPlaying() {
    return videos.some(function (v) { return !v.paused && !v.ended; });
  }

  // Time counts while the page is visible and, in a video lesson, while a video plays.
  function counting() {
    return document.visibilityState === "visible" && (!videoMode || videoPlaying());
  }

  // The furthest points that moved since the server last acknowledged them (null: nothing to send).
  function videoPayload() {
    var out = null;
    videos.forEach(function (v) {
      var id = v.getAttribute("data-lesson-video"), rec = positions[id], last = sent[id];
      if (rec.furthest >= last.furthest + 1 || (rec.ended && !last.ended)) {
        out = out || {};
        out[id] = { furthest: Math.round(rec.furthest * 10) / 10, ended: rec.ended };
      }
    });
    return out;
  }

  function acknowledged(video) {
    if (!video) { return; }
    Object.keys(video).forEach(function (id) { sent[id] = { furthest: video[id].furthest, ended: video[id].ended }; });
  }

  function beat(claim, visible) {
    var video = videoPayload();
    var payload = { lesson: lessonId, visible: visible !== false, claim: !!claim };
    if (video) { payload.video = video; }
    post(payload)
      .then(function (data) {
        if (data && !data.error) { acknowledged(video); }
        apply(data);
      })
      .catch(function () { badge(msg("offline"), "warn"); });
  }

  // A video paused or ended: stop the timer with a beat that says so (it credits the time up to now).
  function pauseBeat() {
    if (state.running) {
      stop();
      beat(false, false);
    } else if (videoPayload()) {
      beat(false, false);
    }
    render();
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
    var video = videoPayload();
    if (!state.running && !video) { return; }
    stop();
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("lesson", lessonId);
    data.append("visible", "0");
    if (video) {
      data.append("video", JSON.stringify(video));
      acknowledged(video);
    }
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, data))) {
      fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true });
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      videos.forEach(function (v) { if (!v.paused) { v.pause(); } });
      finalBeat();
      render();
    } else if (state.active && !state.completed && counting()) {
      start(true);
    }
  });
  window.addEventListener("pagehide", finalBeat);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !state.completed && counting()) { start(true); }
  });
  if (el.resume) {
    el.resume.addEventListener("click", function () {
      if (counting()) {
        start(true);
      } else {
        state.active = true;  // the next play claims the timer
        render();
      }
    });
  }

  // The seek guard of each uploaded video.
  videos.forEach(function (video) {
    var id = video.getAttribute("data-lesson-video");
    var stored = positions[id] || {};
    var rec = positions[id] = { furthest: Number(stored.furthest) || 0, ended: stored.ended === true };
    sent[id] = { furthest: rec.furthest, ended: rec.ended };
    var note = video.parentNode.querySelector("[data-video-note]");
    if (rec.ended && note) { note.hidden = true; }

    function watchedToEnd() {
      if (rec.ended) { return; }
      rec.ended = true;
      rec.furthest = Math.max(rec.furthest, video.duration || 0);
      if (note) {
        note.hidden = false;
        note.textContent = msg("videoFree");
        note.classList.remove("warn");
      }
    }

    video.addEventListener("timeupdate", function () {
      // Playing on from the furthest point moves it; a jump (a seek) never does.
      if (!video.seeking && video.currentTime > rec.furthest && video.currentTime - rec.furthest < 3) {
        rec.furthest = video.currentTime;
      }
    });
    video.addEventListener("seeking", function () {
      if (rec.ended || video.currentTime <= rec.furthest + 0.5) { return; }
      video.currentTime = rec.furthest;
      if (note) {
        note.hidden = false;
        note.textContent = msg("videoClamped") + clock(Math.floor(rec.furthest));
        note.classList.add("warn");
      }
    });
    video.addEventListener("ratechange", function () {
      if (!rec.ended && video.playbackRate > 2) { video.playbackRate = 2; }
    });
    video.addEventListener("play", function () {
      if (!state.completed && !state.running && document.visibilityState === "visible") { start(true); }
    });
    video.addEventListener("pause", function () {
      if (video.ended) { watchedToEnd(); }
      if (!videoPlaying()) { pauseBeat(); }
    });
    video.addEventListener("ended", function () {
      watchedToEnd();
      if (state.running && !videoPlaying()) { pauseBeat(); }  // browsers fire "pause" first, which sent it
    });
  });

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
  if (counting()) { start(true); }
})();
