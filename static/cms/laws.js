// Law pages: keep the table of contents open beside the text on wide screens,
// folded above it on phones.
document.addEventListener("DOMContentLoaded", function () {
  var toc = document.querySelector("[data-toc]");
  if (!toc || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 900px)");
  function sync() { toc.open = wide.matches; }
  sync();
  if (wide.addEventListener) wide.addEventListener("change", sync);
  toc.addEventListener("click", function (event) {
    if (event.target.tagName === "A" && !wide.matches) toc.open = false;
  });
});
