// Compliance charts: unit compliance share (horizontal bars, readable on a phone) and the hours histogram.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var styles = getComputedStyle(document.documentElement);
  var primary = styles.getPropertyValue("--c-primary").trim() || "#b71c1c";
  var accent = styles.getPropertyValue("--c-accent").trim() || "#1565c0";
  Chart.defaults.font.family = styles.getPropertyValue("--font") || "sans-serif";

  var units = data("chart-units-data");
  var unitsCanvas = document.getElementById("chart-units");
  if (units && unitsCanvas && units.labels.length) {
    // One bar per unit: the box grows with the number of units (set here, not in a style attribute).
    var box = unitsCanvas.parentElement;
    if (box.dataset.chartHeight) { box.style.height = box.dataset.chartHeight + "px"; }
    new Chart(unitsCanvas, {
      type: "bar",
      data: { labels: units.labels, datasets: [{ label: units.series, data: units.share, backgroundColor: primary, maxBarThickness: 28 }] },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: {
          x: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
          // Long unit names are shortened on the axis (the tooltip shows the whole name).
          y: { ticks: { autoSkip: false, callback: function (value) {
            var label = this.getLabelForValue(value);
            var max = window.innerWidth < 600 ? 8 : 16;
            return label.length > max ? label.slice(0, max - 1) + "…" : label;
          } } }
        },
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          label: function (ctx) {
            return units.tooltip.replace("%(share)s", ctx.parsed.x).replace("%(average)s", units.average[ctx.dataIndex])
              .replace("%%", "%");
          }
        } } }
      }
    });
  }
  var hist = data("chart-histogram-data");
  var histCanvas = document.getElementById("chart-histogram");
  if (hist && histCanvas) {
    new Chart(histCanvas, {
      type: "bar",
      data: { labels: hist.labels, datasets: [{ label: hist.series, data: hist.counts, backgroundColor: accent, maxBarThickness: 48 }] },
      options: {
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { title: { display: true, text: hist.axis } } },
        plugins: { legend: { display: false } }
      }
    });
  }
});
