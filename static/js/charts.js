// Charts drawn from JSON embedded with Django's json_script (no inline script, CSP-friendly).
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var teal = "#1f5f6b", amber = "#d9911b", grey = "#8a8f98";

  function data(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function progress(canvas) {
    var d = data(canvas);
    if (!d) return;
    var flat = function (v) { return d.labels.map(function () { return v; }); };
    var sets = [{ label: "Measured", data: d.values, borderColor: teal, backgroundColor: teal, tension: 0.2, pointRadius: 4 }];
    sets.push({ label: "Target (" + d.target + ")", data: flat(d.target), borderColor: amber, borderDash: [6, 4], pointRadius: 0 });
    if (d.baseline !== null) {
      sets.push({ label: "Baseline (" + d.baseline + ")", data: flat(d.baseline), borderColor: grey, borderDash: [2, 3], pointRadius: 0 });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: sets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { title: { display: true, text: d.unit }, suggestedMin: 0 } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart=progress]").forEach(progress);
})();
