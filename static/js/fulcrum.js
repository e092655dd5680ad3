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

  // Quick-duration buttons fill the minutes field. With a start time the end follows from it
  // (when it stays within the day); without one, start and end are cleared.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-minutes]");
    if (!button) return;
    var form = button.closest("form");
    var minutes = form && form.querySelector("input[name=minutes]");
    if (!minutes) return;
    var value = parseInt(button.getAttribute("data-minutes"), 10);
    minutes.value = value;
    var start = form.querySelector("input[name=start_time]");
    var end = form.querySelector("input[name=end_time]");
    var parts = start && /^(\d{2}):(\d{2})/.exec(start.value);
    var finish = parts ? parseInt(parts[1], 10) * 60 + parseInt(parts[2], 10) + value : null;
    if (finish !== null && finish < 24 * 60) {
      if (end) end.value = ("0" + Math.floor(finish / 60)).slice(-2) + ":" + ("0" + (finish % 60)).slice(-2);
    } else {
      if (start) start.value = "";
      if (end) end.value = "";
    }
    form.querySelectorAll("[data-minutes]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
    minutes.dispatchEvent(new Event("change", { bubbles: true }));
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

// "n" opens the log form from any page that has the menu's "+ Log time" link (when the person
// is not typing in a field); the link shows the key.
(function () {
  var link = document.querySelector('nav a[href$="/entries/new/"]');
  if (!link) return;
  link.setAttribute("aria-keyshortcuts", "n");
  link.setAttribute("title", "Log time (shortcut: n)");
  var hint = document.createElement("kbd");
  hint.className = "shortcut-hint ms-1";
  hint.setAttribute("aria-hidden", "true");
  hint.textContent = "n";
  link.appendChild(hint);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "n" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable], .modal")) return;
    if (document.querySelector("form.entry-form")) return;  // already on the form: keep what is typed
    event.preventDefault();
    window.location.assign(link.href);
  });
})();
