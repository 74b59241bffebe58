// Score distribution chart on the exam statistics page (vendored Chart.js).
document.addEventListener("DOMContentLoaded", function () {
  var dataEl = document.getElementById("score-chart-data");
  var canvas = document.getElementById("score-chart");
  if (!dataEl || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: canvas.getAttribute("aria-label"), data: data.counts, backgroundColor: "#1565c0" }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
});
