// Draws each report's chart (web/templates/reports.html) with the vendored Chart.js, from
// the JSON data block beside its canvas: the same rows as the table and the CSV.
(function () {
  "use strict";
  function draw(canvas) {
    var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        animation: false,
        responsive: true,
        plugins: { legend: { position: "bottom" } },
        // Stacked charts (permits per province, one colour per sector) stack both axes.
        scales: spec.stacked
          ? { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
          : { y: { beginAtZero: true } }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
