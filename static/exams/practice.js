// Practice and 错题本 redo: the answer is checked in place (fetch, JSON with the rendered answer).
// Without JavaScript, or when the request cannot be sent, the form posts as usual and the answer is a page.
(function () {
  "use strict";
  var area = document.querySelector("[data-practice-area]");
  var form = area && area.querySelector("[data-practice-form]");
  if (!form || !window.fetch || !window.FormData) return;
  var error = area.querySelector("[data-practice-error]");
  var busy = false;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    busy = true;
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (result.data.ok) {
          area.innerHTML = result.data.html;
          area.scrollIntoView({ block: "start" });
          var next = area.querySelector("[data-testid=next-question], [data-testid=back-to-book]");
          if (next) next.focus({ preventScroll: true });
          return;
        }
        error.textContent = result.data.error || "";
        error.hidden = false;
        busy = false;
        if (button) button.disabled = false;
      })
      .catch(function () {
        form.submit(); // offline or an unreadable answer: let the browser post it
      });
  });
})();
