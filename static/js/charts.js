// Charts drawn from JSON embedded with Django's json_script (no inline script, CSP-friendly).
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var teal = "#1f5f6b", amber = "#d9911b", red = "#b4443d", grey = "#8a8f98", sky = "#6aa8b5";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  // Hours come as the report's own two-decimal figures (strings), so a tooltip reads like the table.
  var num = function (text) { return parseFloat(text); };
  var sideColor = function (row) {
    if (row.kind === "non_coaching" || row.name === "non_coaching") return red;
    return (row.balance === "input" || row.name === "input") ? amber : teal;
  };

  function progress(canvas) {
    var d = json(canvas.getAttribute("data-source"));
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
      options: { scales: { y: { title: { display: true, text: d.unit }, suggestedMin: 0 } }, plugins: { legend: { position: "bottom" } } }
    });
  }

  // On a phone a long name ("Facilitation of Professional Development") breaks into lines (Chart.js
  // draws an array as lines) instead of running off the canvas's edge; on a wide screen it stays whole.
  var lines = function (text, width) {
    var out = [], line = "";
    String(text).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { out.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) out.push(line);
    return out;
  };
  var narrow = function (chart) { return chart.width < 576; };
  var wrapped = function (width) {
    return function (value) {
      var label = this.getLabelForValue(value);
      return narrow(this.chart) ? lines(label, width) : label;
    };
  };

  var report = json("report-data");
  var draw = {
    activity: function (canvas) {
      var rows = report.by_activity, box = canvas.parentNode;
      // Room for three lines per activity when the names wrap; the stylesheet's height otherwise.
      var fit = function (width) { box.style.height = width < 576 ? Math.max(380, rows.length * 48 + 40) + "px" : ""; };
      fit(box.clientWidth);
      new Chart(canvas, {
        type: "bar",
        data: { labels: rows.map(function (r) { return r.name; }),
                datasets: [{ label: "Hours", data: rows.map(function (r) { return num(r.hours); }), backgroundColor: rows.map(sideColor) }] },
        options: { indexAxis: "y", onResize: function (chart, size) { fit(size.width); }, scales: { y: { ticks: { autoSkip: false, callback: wrapped(16) } } }, plugins: { legend: { display: false },
                   tooltip: { callbacks: { label: function (c) { return c.raw + " h (" + rows[c.dataIndex].share + "%)"; } } } } }
      });
    },
    balance: function (canvas) {
      var names = { output: "Output", input: "Input", non_coaching: "Non-coaching" };
      new Chart(canvas, {
        type: "doughnut",
        data: { labels: report.balance.map(function (b) { return names[b.name] + " " + b.share + "%"; }),
                datasets: [{ data: report.balance.map(function (b) { return num(b.hours); }), backgroundColor: report.balance.map(sideColor) }] },
        options: { plugins: { legend: { position: "bottom" } } }
      });
    },
    // Bars across, names beside them: a dozen focus areas' names under upright bars would have to
    // slant and run into each other.
    focus: function (canvas) {
      var rows = report.by_focus, box = canvas.parentNode;
      var fit = function (width) {
        box.style.height = width < 576 ? Math.max(300, rows.length * 48 + 40) + "px" : Math.max(300, rows.length * 26 + 50) + "px";
      };
      fit(box.clientWidth);
      new Chart(canvas, {
        type: "bar",
        data: { labels: rows.map(function (r) { return r.name; }),
                datasets: [{ label: "Hours", data: rows.map(function (r) { return num(r.hours); }), backgroundColor: sky }] },
        options: { indexAxis: "y", onResize: function (chart, size) { fit(size.width); },
                   scales: { y: { ticks: { autoSkip: false, callback: wrapped(18) } } }, plugins: { legend: { display: false } } }
      });
    },
    month: function (canvas) {
      var rows = report.by_month, labels = rows.map(function (r) { return r.label; });
      var set = function (key, label, color) {
        return { label: label, data: rows.map(function (r) { return num(r[key + "_hours"]); }), backgroundColor: color };
      };
      new Chart(canvas, {
        type: "bar",
        data: { labels: labels, datasets: [set("output", "Output", teal), set("input", "Input", amber), set("non_coaching", "Non-coaching", red)] },
        options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "hours" } } },
                   plugins: { legend: { position: "bottom" } } }
      });
    },
    plan: function (canvas) {
      var rows = (report.plan && report.plan.lines) || [];
      new Chart(canvas, {
        type: "bar",
        data: { labels: rows.map(function (r) { return r.name; }),
                datasets: [{ label: "Plan %", data: rows.map(function (r) { return r.plan_share; }), backgroundColor: grey },
                           { label: "Actual %", data: rows.map(function (r) { return r.actual_share; }),
                             backgroundColor: rows.map(function (r) { return r.exceeded ? red : teal; }) }] },
        options: { indexAxis: "y", scales: { x: { suggestedMin: 0, grace: "5%", title: { display: true, text: "% of the time" } },
                                             y: { ticks: { autoSkip: false, callback: wrapped(16) } } },
                   plugins: { legend: { position: "bottom" } } }
      });
    },
    burn: function (canvas) {
      var palette = [teal, amber, red, sky, grey];
      var months = [];
      report.contracts.forEach(function (c) { c.burn.forEach(function (p) { if (months.indexOf(p.month) < 0) months.push(p.month); }); });
      months.sort();
      var names = {};
      report.contracts.forEach(function (c) { c.burn.forEach(function (p) { names[p.month] = p.label; }); });
      var sets = report.contracts.map(function (c, i) {
        var left = {}, last = c.contracted;
        c.burn.forEach(function (p) { left[p.month] = p.left; });
        return { label: c.district + " " + c.school_year, borderColor: palette[i % palette.length], pointRadius: 3,
                 data: months.map(function (m) { if (m in left) last = left[m]; return last; }) };
      });
      new Chart(canvas, {
        type: "line",
        data: { labels: months.map(function (m) { return names[m] || m; }), datasets: sets },
        options: { scales: { y: { title: { display: true, text: "days left" }, suggestedMin: 0 } }, plugins: { legend: { position: "bottom" } } }
      });
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var kind = canvas.getAttribute("data-chart");
    if (kind === "progress") return progress(canvas);
    if (report && draw[kind]) draw[kind](canvas);
  });
})();
