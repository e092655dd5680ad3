// The offline queue for the log form. Loaded by every page, and by the service worker (which uses
// only FulcrumQueue). Entries saved while the network is down wait in IndexedDB, each with an
// idempotency key, and are sent when the phone is back online; the server stores each key once.
(function (global) {
  "use strict";

  var DB_NAME = "fulcrum-offline";
  var ENTRIES = "entries";
  var META = "meta";
  var SENT_KEPT_MS = 12 * 60 * 60 * 1000; // "Sent" stays in the tray for half a day

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(ENTRIES, { keyPath: "key" });
        request.result.createObjectStore(META);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One request in its own transaction; resolves with its result once the transaction commits.
  function run(storeName, mode, operation) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(storeName, mode);
        var request = operation(transaction.objectStore(storeName));
        transaction.oncomplete = function () { db.close(); resolve(request.result); };
        transaction.onerror = transaction.onabort = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("fulcrum-offline") : null;

  var Queue = {
    SYNC_TAG: "fulcrum-queue",
    all: function () {
      return run(ENTRIES, "readonly", function (store) { return store.getAll(); }).then(function (rows) {
        return rows.sort(function (a, b) { return a.queuedAt - b.queuedAt; });
      });
    },
    get: function (key) { return run(ENTRIES, "readonly", function (store) { return store.get(key); }); },
    put: function (record) { return run(ENTRIES, "readwrite", function (store) { return store.put(record); }); },
    remove: function (key) { return run(ENTRIES, "readwrite", function (store) { return store.delete(key); }); },
    owner: function () { return run(META, "readonly", function (store) { return store.get("owner"); }); },
    setOwner: function (owner) {
      return run(META, "readwrite", function (store) { return store.put(owner, "owner"); });
    },
    clear: function () {
      return run(ENTRIES, "readwrite", function (store) { return store.clear(); }).then(function () {
        return run(META, "readwrite", function (store) { return store.clear(); });
      });
    },
    // The entries of the person last seen signed in on this device.
    mine: function () {
      return Promise.all([Queue.all(), Queue.owner()]).then(function (found) {
        var owner = found[1];
        return owner ? found[0].filter(function (r) { return !r.owner || r.owner === owner; }) : [];
      });
    },
    add: function (values) {
      return Queue.owner().then(function (owner) {
        var record = {
          key: global.crypto.randomUUID(),
          owner: owner || null,
          fields: values.fields,
          summary: values.summary,
          csrf: values.csrf || "",
          status: "waiting",
          errors: null,
          queuedAt: Date.now(),
        };
        return Queue.put(record).then(function () { return record; });
      });
    },
    announce: function () { if (channel) channel.postMessage("changed"); },
    onChange: function (callback) { if (channel) channel.addEventListener("message", callback); },
    // Send every waiting entry of the signed-in coach, oldest first (the day's 16-hour rule
    // depends on the order). Stops at the first answer that means "later": no network, signed
    // out, refused token, too many requests.
    drain: function (options) {
      if (!Queue.draining) {
        Queue.draining = drainOnce(options).finally(function () { Queue.draining = null; });
      }
      return Queue.draining;
    },
    draining: null,
  };

  function drainOnce(options) {
    return fetch(options.state, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (who) {
        if (!who.coach) return { sent: 0, signedOut: true };
        return Queue.setOwner(who.owner).then(function () { return Queue.all(); }).then(function (rows) {
          var waiting = rows.filter(function (r) { return r.status === "waiting" && (!r.owner || r.owner === who.owner); });
          return sendEach(waiting, options, 0);
        });
      })
      .catch(function () { return { sent: 0, offline: true }; })
      .then(function (result) { Queue.announce(); return result; });
  }

  function sendEach(rows, options, sent) {
    if (!rows.length) return Promise.resolve({ sent: sent });
    var record = rows[0];
    return Queue.send(record, options).then(function (outcome) {
      if (outcome.status === "stored") {
        return Queue.put({ key: record.key, owner: record.owner, fields: [], summary: record.summary, csrf: "",
                           status: "sent", errors: null, queuedAt: record.queuedAt, sentAt: Date.now() })
          .then(function () { return sendEach(rows.slice(1), options, sent + 1); });
      }
      if (outcome.status === "fix") {
        record.status = "fix";
        record.errors = outcome.errors;
        return Queue.put(record).then(function () { return sendEach(rows.slice(1), options, sent); });
      }
      return { sent: sent, stopped: true };
    });
  }

  // POST one entry: {status: "stored"} (now or by an earlier send of its key), {status: "fix",
  // errors} when it breaks a rule, {status: "later"} otherwise.
  Queue.send = function (record, options) {
    return fetch(options.endpoint, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual", // a sign-in redirect means "later", not an answer
      headers: { "Content-Type": "application/json", "X-CSRFToken": options.csrf || record.csrf },
      body: JSON.stringify({ key: record.key, fields: record.fields, announce: !!options.announce }),
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) return { status: "stored" };
      if ([400, 409, 422].indexOf(response.status) !== -1) {
        return response.json().then(function (body) { return { status: "fix", errors: body.errors || {} }; });
      }
      return { status: "later" };
    }, function () { return { status: "later" }; });
  };

  global.FulcrumQueue = Queue;

  if (typeof document === "undefined") return; // the service worker stops here

  // --------------------------------------------------------------------------- the pages
  var script = document.currentScript;
  var cfg = script ? script.dataset : {};

  function csrfToken() {
    var cookie = document.cookie.split("; ").find(function (c) { return c.indexOf("csrftoken=") === 0; });
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function options(extra) {
    return Object.assign({ endpoint: cfg.endpoint, state: cfg.state, csrf: csrfToken() }, extra || {});
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function element(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function firstError(errors) {
    var key = Object.keys(errors || {})[0];
    return key ? errors[key][0] : "";
  }

  // The tray: what this phone holds for the signed-in coach.
  function renderTray() {
    return Queue.mine().then(function (rows) {
      var now = Date.now();
      var stale = rows.filter(function (r) { return r.status === "sent" && now - r.sentAt > SENT_KEPT_MS; });
      stale.forEach(function (r) { Queue.remove(r.key); });
      rows = rows.filter(function (r) { return stale.indexOf(r) === -1; });
      var waiting = rows.filter(function (r) { return r.status === "waiting"; });
      var sent = rows.filter(function (r) { return r.status === "sent"; });
      var fix = rows.filter(function (r) { return r.status === "fix"; });
      var tray = document.getElementById("offline-tray");
      if (!rows.length) { if (tray) tray.remove(); return; }
      if (!tray) {
        tray = element("aside", { id: "offline-tray", class: "offline-tray", "data-testid": "offline-tray",
                                  "aria-label": "Entries saved on this phone", "aria-live": "polite" });
        var main = document.getElementById("main");
        if (!main) return;
        main.prepend(tray);
      }
      tray.replaceChildren();
      if (waiting.length) {
        var line = element("p", { class: "offline-tray-line", "data-testid": "offline-waiting" },
                           plural(waiting.length, "entry", "entries") + " waiting to be sent");
        if (navigator.onLine) {
          line.append(" ", element("button", { type: "button", class: "btn btn-sm btn-outline-primary", "data-offline-send": "" }, "Send now"));
        } else {
          line.append(element("span", { class: "offline-tray-note" }, " (offline)"));
        }
        tray.append(line);
      }
      if (sent.length) {
        var done = element("p", { class: "offline-tray-line", "data-testid": "offline-sent" },
                           "Sent: " + plural(sent.length, "entry", "entries"));
        done.append(" ", element("button", { type: "button", class: "btn btn-sm btn-link", "data-offline-dismiss": "" }, "Dismiss"));
        tray.append(done);
      }
      if (fix.length) {
        var box = element("div", { "data-testid": "offline-fix" });
        box.append(element("p", { class: "offline-tray-line fw-semibold" }, "Needs fixing: " + plural(fix.length, "entry", "entries")));
        var list = element("ul", { class: "offline-tray-list" });
        fix.forEach(function (r) {
          var item = element("li", {}, (r.summary || "An entry") + " — " + firstError(r.errors) + " ");
          item.append(element("a", { href: cfg.logForm + "?offline=" + encodeURIComponent(r.key), class: "btn btn-sm btn-primary" }, "Fix"));
          list.append(item);
        });
        box.append(list);
        tray.append(box);
      }
    }).catch(function () {});
  }

  function sendQueue() {
    if (!navigator.onLine || !cfg.endpoint) return Promise.resolve();
    return Queue.drain(options()).then(renderTray);
  }

  // ----- the log form
  function formPairs(form) {
    var pairs = [];
    var csrf = "";
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string") return;
      if (name === "csrfmiddlewaretoken") csrf = value;
      else pairs.push([name, value]);
    });
    return { pairs: pairs, csrf: csrf };
  }

  function summaryOf(form) {
    var value = function (name) { var el = form.elements.namedItem(name); return el && el.value ? el.value : ""; };
    var activity = form.elements.namedItem("activity");
    var label = activity && activity.selectedIndex > 0 ? activity.options[activity.selectedIndex].text : "";
    var minutes = value("minutes") ? value("minutes") + " min"
      : (value("start_time") && value("end_time") ? value("start_time") + "–" + value("end_time") : "");
    return [value("date"), minutes, label].filter(Boolean).join(" · ");
  }

  function notice(form, text, kind, testid) {
    var old = document.getElementById("offline-notice");
    if (old) old.remove();
    var box = element("div", { id: "offline-notice", class: "alert alert-" + kind, role: kind === "danger" ? "alert" : "status",
                               "data-testid": testid, tabindex: "-1" }, text);
    form.before(box);
    box.focus();
    return box;
  }

  function clearErrors(form) {
    document.querySelectorAll(".offline-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[data-offline-invalid]").forEach(function (el) {
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
      el.removeAttribute("data-offline-invalid");
    });
  }

  function showErrors(form, errors) {
    clearErrors(form);
    var general = [];
    Object.keys(errors || {}).forEach(function (field) {
      var inputs = field === "__all__" ? [] : Array.prototype.slice.call(form.querySelectorAll('[name="' + field + '"]'));
      if (!inputs.length) { general = general.concat(errors[field]); return; }
      var id = "id_" + field + "_error";
      inputs.forEach(function (el) {
        el.classList.add("is-invalid");
        el.setAttribute("aria-invalid", "true");
        el.setAttribute("aria-describedby", id);
        el.setAttribute("data-offline-invalid", "");
      });
      var last = inputs[inputs.length - 1];
      var place = last.closest(".mb-3, fieldset") || last.parentElement;
      var feedback = element("div", { id: id, class: "invalid-feedback d-block offline-error" }, errors[field].join(" "));
      place.append(feedback);
    });
    var alert = element("div", { class: "alert alert-danger offline-error", role: "alert" },
                        "Please fix the highlighted fields; everything else you typed is kept.");
    general.forEach(function (message) { alert.append(element("div", {}, message)); });
    form.before(alert);
  }

  function waitForDistrictFields() {
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, 4000);
      document.addEventListener("htmx:afterSettle", function settled(event) {
        if (!event.target || event.target.id !== "district-fields") return;
        document.removeEventListener("htmx:afterSettle", settled);
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // Put a queued entry's values back in the form (its district first: the district's schools and
  // teachers load with it).
  function prefill(form, pairs) {
    var values = {};
    pairs.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    var district = form.elements.namedItem("district");
    var ready = Promise.resolve();
    if (district && values.district && district.value !== values.district[0]) {
      district.value = values.district[0];
      ready = waitForDistrictFields();
      district.dispatchEvent(new Event("change", { bubbles: true }));
    }
    return ready.then(function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "district" || el.type === "submit" || el.type === "button") return;
        var given = values[el.name];
        if (el.type === "checkbox" || el.type === "radio") {
          if (given || el.type === "checkbox") el.checked = !!given && given.indexOf(el.value) !== -1;
        } else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = !!given && given.indexOf(o.value) !== -1; });
        } else if (given) {
          el.value = given[0];
        }
      });
    });
  }

  function fixKey() { return new URLSearchParams(location.search).get("offline"); }

  function queued(form, message) {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.ready.then(function (reg) { if (reg.sync) return reg.sync.register(Queue.SYNC_TAG); }).catch(function () {});
    }
    notice(form, message, "info", "offline-saved");
    Queue.announce();
    return renderTray();
  }

  function onEntrySubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("data-offline") !== "entry") return;
    var key = fixKey();
    if (!key && navigator.onLine) return; // the server takes it; the service worker keeps it if the network fails
    // Listening first (capture, on the document): no other script of the page posts it as well.
    event.preventDefault();
    event.stopImmediatePropagation();
    var data = formPairs(form);
    var summary = summaryOf(form);
    var another = event.submitter && event.submitter.name === "save_another";
    if (!key) {
      Queue.add({ fields: data.pairs, summary: summary, csrf: data.csrf }).then(function () {
        form.reset();
        clearErrors(form);
        return queued(form, "Saved on this phone — will be sent when you're back online.");
      });
      return;
    }
    Queue.get(key).then(function (record) {
      record = record || { key: key, queuedAt: Date.now() };
      return Queue.owner().then(function (owner) {
        record.owner = record.owner || owner || null;
        record.fields = data.pairs;
        record.summary = summary;
        record.csrf = data.csrf;
        record.errors = null;
        record.status = "waiting";
        if (!navigator.onLine) {
          return Queue.put(record).then(function () {
            clearErrors(form);
            return queued(form, "Saved on this phone — will be sent when you're back online.");
          });
        }
        return Queue.send(record, options({ announce: true })).then(function (outcome) {
          if (outcome.status === "stored") {
            return Queue.remove(key).then(function () {
              Queue.announce();
              location.assign(another ? cfg.logForm : cfg.week);
            });
          }
          if (outcome.status === "fix") {
            record.status = "fix";
            record.errors = outcome.errors;
            return Queue.put(record).then(function () { showErrors(form, outcome.errors); Queue.announce(); });
          }
          notice(form, "This entry could not be sent just now; it is still saved on this phone. Try again in a moment.", "warning", "offline-later");
        });
      });
    });
  }

  function openFix(form, key) {
    Queue.get(key).then(function (record) {
      if (!record) {
        notice(form, "That entry is no longer saved on this phone: it was sent, or this device was signed out.", "warning", "offline-gone");
        return;
      }
      return prefill(form, record.fields).then(function () {
        notice(form, "This entry was saved on this phone while offline. Fix what is marked and save it.", "info", "offline-fixing");
        if (record.errors) showErrors(form, record.errors);
      });
    });
  }

  // ----- sign-out on a shared phone: nothing of this person stays behind
  function deleteCaches() {
    if (!("caches" in global)) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("fulcrum-") === 0; }).map(function (n) { return caches.delete(n); }));
    });
  }

  function onSignOut(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !cfg.logout || form.getAttribute("action") !== cfg.logout) return;
    event.preventDefault();
    var before = navigator.onLine ? Queue.drain(options()) : Promise.resolve();
    before.then(function () { return Queue.mine(); }).then(function (rows) {
      var unsent = rows.filter(function (r) { return r.status !== "sent"; }).length;
      if (unsent && !global.confirm(plural(unsent, "entry", "entries") + " saved on this phone " +
          (unsent === 1 ? "has" : "have") + " not been sent. Sign out and delete " + (unsent === 1 ? "it" : "them") + "?")) {
        return;
      }
      return Queue.clear().then(deleteCaches).then(function () {
        var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
        if (worker) worker.postMessage({ type: "precache" });
        form.submit();
      });
    }).catch(function () { form.submit(); });
  }

  function start() {
    if (cfg.css) document.head.append(element("link", { rel: "stylesheet", href: cfg.css }));
    if ("serviceWorker" in navigator && cfg.sw) navigator.serviceWorker.register(cfg.sw, { scope: "/" }).catch(function () {});
    document.addEventListener("submit", onSignOut);
    document.addEventListener("submit", onEntrySubmit, true);
    global.addEventListener("online", sendQueue);
    global.addEventListener("offline", renderTray);
    Queue.onChange(renderTray);
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-offline-send]")) sendQueue();
      if (event.target.closest("[data-offline-dismiss]")) {
        Queue.mine().then(function (rows) {
          return Promise.all(rows.filter(function (r) { return r.status === "sent"; }).map(function (r) { return Queue.remove(r.key); }));
        }).then(renderTray);
      }
    });
    var form = document.querySelector('form[data-offline="entry"]');
    var params = new URLSearchParams(location.search);
    if (form && params.get("queued")) queued(form, "Saved on this phone — will be sent when you're back online.");
    if (form && params.get("offline")) openFix(form, params.get("offline"));
    renderTray().then(sendQueue);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(self);
