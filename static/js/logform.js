// The log form, made quick: focus on the first field that needs input, the focus area marked
// required as soon as a coaching activity is chosen, recent teachers as one-tap chips, a
// type-ahead over the teacher list narrowed to the chosen school, Ctrl/Cmd+Enter to save, and
// Enter in a field never submitting half a form. Without this script the form still works.
(function () {
  "use strict";

  var form = document.querySelector("form.entry-form");
  if (!form) return;

  function field(name) {
    return form.querySelector("[name=" + name + "]");
  }

  // ---------------------------------------------------------------- the focus area's mark
  function focusNeeded() {
    var activity = field("activity");
    var option = activity && activity.selectedOptions[0];
    return Boolean(option && option.hasAttribute("data-needs-focus"));
  }

  function markFocusArea() {
    var focus = field("focus_area");
    if (!focus) return;
    var label = form.querySelector("label[for=" + focus.id + "]");
    var needed = focusNeeded();
    focus.setAttribute("aria-required", needed ? "true" : "false");
    if (!label) return;
    var star = label.querySelector(".asteriskField");
    if (needed && !star) {
      star = document.createElement("span");
      star.className = "asteriskField";
      star.textContent = "*";
      label.appendChild(star);
    } else if (!needed && star) {
      star.remove();
    }
  }

  // ---------------------------------------------------------------- focus on open
  function empty(name) {
    var input = field(name);
    return input && !input.value;
  }

  function nextNeeded() {
    var invalid = form.querySelector(".is-invalid");
    if (invalid) return invalid;
    if (empty("date")) return field("date");
    if (empty("minutes") && empty("end_time")) return field("minutes");
    if (empty("district")) return field("district");
    if (empty("activity")) return field("activity");
    if (focusNeeded() && empty("focus_area")) return field("focus_area");
    return null;
  }

  function focusNext() {
    var target = nextNeeded();
    if (target) target.focus();
  }

  // ---------------------------------------------------------------- teachers
  function selectedSchool() {
    var school = field("school");
    return school ? school.value : "";
  }

  function filterTeachers() {
    var list = document.getElementById("teacher-options");
    if (!list) return;
    var search = form.querySelector("[data-teacher-search]");
    var words = search ? search.value.toLowerCase().trim().split(/\s+/).filter(Boolean) : [];
    var school = selectedSchool();
    var shown = 0;
    list.querySelectorAll("[data-label]").forEach(function (row) {
      var label = row.getAttribute("data-label");
      var checked = row.querySelector("input:checked");
      var inSchool = !school || row.getAttribute("data-school") === school;
      var match = words.every(function (w) { return label.indexOf(w) !== -1; });
      row.hidden = !(checked || (inSchool && match));
      if (!row.hidden) shown += 1;
    });
    var count = document.getElementById("teacher-count");
    if (count) count.textContent = shown + (shown === 1 ? " teacher listed" : " teachers listed");
  }

  function syncChips() {
    form.querySelectorAll("[data-pick-teacher]").forEach(function (chip) {
      var box = form.querySelector("input[name=teachers][value='" + chip.getAttribute("data-pick-teacher") + "']");
      chip.hidden = !box;
      chip.setAttribute("aria-pressed", box && box.checked ? "true" : "false");
      chip.classList.toggle("active", Boolean(box && box.checked));
    });
  }

  function enhanceTeachers() {
    form.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
    filterTeachers();
    syncChips();
  }

  function firstVisibleTeacher() {
    var rows = document.querySelectorAll("#teacher-options [data-label]");
    for (var i = 0; i < rows.length; i += 1) {
      if (!rows[i].hidden && !rows[i].querySelector("input:checked")) return rows[i].querySelector("input");
    }
    return null;
  }

  form.addEventListener("click", function (event) {
    var chip = event.target.closest("[data-pick-teacher]");
    if (chip) {
      var box = form.querySelector("input[name=teachers][value='" + chip.getAttribute("data-pick-teacher") + "']");
      if (box) box.checked = !box.checked;
      filterTeachers();
      syncChips();
      return;
    }
    if (event.target.closest("[data-minutes]")) focusNext();
  });

  form.addEventListener("input", function (event) {
    if (event.target.matches("[data-teacher-search]")) filterTeachers();
  });

  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "activity") markFocusArea();
    if (name === "school") filterTeachers();
    if (name === "teachers") syncChips();
  });

  // ---------------------------------------------------------------- keys
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var target = event.target;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      var save = form.querySelector("[data-save]") || form.querySelector("button[type=submit]");
      if (save) form.requestSubmit(save);
      return;
    }
    if (target.matches("textarea, button, a")) return;
    if (target.matches("input, select")) {
      // Enter never submits half a form; in the teacher search it picks the first match.
      event.preventDefault();
      if (target.matches("[data-teacher-search]") && target.value.trim()) {
        var box = firstVisibleTeacher();
        if (box) {
          box.checked = true;
          target.value = "";
          filterTeachers();
          syncChips();
        }
      }
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && event.target.matches("[data-teacher-search]")) {
      var box = firstVisibleTeacher();
      if (box) {
        event.preventDefault();
        box.focus();
      }
    }
  });

  // The school and teacher pickers arrive by htmx when the district changes.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "district-fields") enhanceTeachers();
  });

  markFocusArea();
  enhanceTeachers();
  var first = nextNeeded() || form.querySelector("[data-save]");
  if (first) first.focus();
})();
