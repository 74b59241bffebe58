// The organiser's QR screen: fetch a fresh code shortly after each minute turns,
// and at least every 20 s, showing a countdown and the live attendance count.
(function () {
  "use strict";
  var screen = document.querySelector("[data-qr-screen]");
  if (!screen) { return; }
  var source = screen.getAttribute("data-source");
  var image = screen.querySelector("[data-qr-image]");
  var countdown = screen.querySelector("[data-qr-countdown]");
  var attended = screen.querySelector("[data-qr-attended]");
  var error = screen.querySelector("[data-qr-error]");
  var secondsLeft = parseInt(countdown.textContent, 10) || 60;
  var timer = null;

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(refresh, Math.max(1, Math.min(20, seconds)) * 1000);
  }

  function refresh() {
    fetch(source, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        image.innerHTML = data.svg;
        secondsLeft = data.seconds_left;
        countdown.textContent = secondsLeft;
        attended.textContent = data.attended;
        error.hidden = true;
        // Come back just after the minute turns (the previous code stays valid for a minute).
        schedule(secondsLeft + 1);
      })
      .catch(function () {
        error.hidden = false;
        schedule(5);
      });
  }

  setInterval(function () {
    if (secondsLeft > 0) { secondsLeft -= 1; }
    countdown.textContent = secondsLeft;
  }, 1000);
  schedule(secondsLeft + 1);

  var full = screen.querySelector("[data-fullscreen]");
  if (full && screen.requestFullscreen) {
    full.addEventListener("click", function () { screen.requestFullscreen(); });
  } else if (full) {
    full.hidden = true;
  }
})();
