// Polls the bulk-issue job until it is done or failed, updating the progress bar and the ZIP link.
(function () {
  "use strict";
  var box = document.getElementById("bulk-job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var statusEl = box.querySelector("[data-testid=job-status]");
  var countEl = box.querySelector("[data-testid=job-count]");
  var errorEl = box.querySelector("[data-testid=job-error]");
  var zipEl = box.querySelector("[data-testid=zip-link]");
  var bar = box.querySelector(".progress");
  function update(data) {
    statusEl.textContent = data.status_label;
    countEl.textContent = data.done + " / " + data.total;
    bar.setAttribute("aria-valuenow", data.percent);
    bar.firstElementChild.style.width = data.percent + "%";
    if (data.error) { errorEl.textContent = data.error; errorEl.hidden = false; }
    if (data.zip_url) { zipEl.href = data.zip_url; zipEl.hidden = false; }
    return data.status === "done" || data.status === "failed";
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (!update(data)) setTimeout(poll, 1500); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
