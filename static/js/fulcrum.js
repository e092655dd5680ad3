// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Filter a list of checkboxes by the text typed into a search box.
  document.addEventListener("input", function (event) {
    var box = event.target.closest("[data-filter-list]");
    if (!box) return;
    var list = document.getElementById(box.getAttribute("data-filter-list"));
    if (!list) return;
    var words = box.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    list.querySelectorAll("[data-label]").forEach(function (row) {
      var label = row.getAttribute("data-label");
      var checked = row.querySelector("input:checked");
      var match = words.every(function (w) { return label.indexOf(w) !== -1; });
      row.hidden = !(match || checked);
    });
  });

  // Quick-duration buttons fill the minutes field and clear start/end times.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-minutes]");
    if (!button) return;
    var form = button.closest("form");
    var minutes = form && form.querySelector("input[name=minutes]");
    if (!minutes) return;
    minutes.value = button.getAttribute("data-minutes");
    ["start_time", "end_time"].forEach(function (name) {
      var input = form.querySelector("input[name=" + name + "]");
      if (input) input.value = "";
    });
    minutes.focus();
  });

  // A select marked data-autosubmit submits its form on change.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
})();

// Copy buttons: data-copy names the input whose value to copy.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var input = document.querySelector(button.getAttribute("data-copy"));
  if (!input) return;
  input.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(input.value).then(function () { button.textContent = "Copied"; });
  }
});

// The report's period picker: a named period submits at once; "Custom range" shows the dates.
(function () {
  var select = document.querySelector("[data-period-select]");
  if (!select) return;
  var custom = document.querySelectorAll(".custom-range");
  var sync = function () {
    custom.forEach(function (el) { el.hidden = select.value !== "custom"; });
  };
  sync();
  select.addEventListener("change", function () {
    sync();
    if (select.value !== "custom") select.form.submit();
  });
})();

// Attendance: select a whole school and grade band at once.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-select-group]");
  if (!button) return;
  var key = button.getAttribute("data-select-group");
  document.querySelectorAll('[data-group="' + key + '"] input[type=checkbox]').forEach(function (box) { box.checked = true; });
});
