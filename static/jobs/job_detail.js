// Polls a running job's status and updates the page; when the job ends the page reloads, so the server
// renders the buttons that now make sense (the download link exists in the page only once the job is done).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var statusEl = box.querySelector("[data-testid=job-status]");
  var countEl = box.querySelector("[data-testid=job-count]");
  var happenedEl = box.querySelector("[data-testid=job-happened]");
  var errorEl = box.querySelector("[data-testid=job-error]");
  var bar = box.querySelector(".progress");
  var fill = box.querySelector("[data-testid=job-bar]");
  function setText(el, text) { el.textContent = text || ""; el.hidden = !text; }
  function update(data) {
    statusEl.textContent = data.status_label;
    countEl.textContent = data.done + " / " + data.total;
    bar.setAttribute("aria-valuenow", data.percent);
    fill.className = "pct-" + data.percent;  // widths are classes: the CSP refuses inline styles
    setText(happenedEl, data.happened);
    setText(errorEl, data.error);
    if (!data.active) { window.location.reload(); return true; }
    return false;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (!update(data)) setTimeout(poll, 1500); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
