// Fulcrum's service worker. The server puts its settings in self.FULCRUM_SW just above this code
// (the shell's URLs, the cache version, the app's paths).
//
// What it keeps, and why no more: pages carry Cache-Control: no-store because they show someone's
// data, and a phone may be shared. So pages are never cached, with one exception: the log form
// (its plain address, no copied entry), which a coach needs offline and which holds only their own
// lists of districts, activities and teachers. Static files are cached on first use and served
// from the cache (their names carry a content hash in production). Signing out deletes every
// cache and the queue of unsent entries.
"use strict";

const CONFIG = self.FULCRUM_SW;
const SHELL_CACHE = "fulcrum-shell-" + CONFIG.version;
const PAGE_CACHE = "fulcrum-pages-" + CONFIG.version;

importScripts(CONFIG.queueScript); // FulcrumQueue: the IndexedDB queue, shared with the pages

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll([...CONFIG.shell, CONFIG.offlinePage]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("fulcrum-") && name !== SHELL_CACHE && name !== PAGE_CACHE)
          .map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

function isPlainLogForm(url) {
  return url.pathname === CONFIG.logForm && url.search === "";
}

async function staticFile(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function page(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (isPlainLogForm(url) && response.status === 200 && !response.redirected) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(CONFIG.logForm, response.clone());
    }
    return response;
  } catch (error) {
    if (url.pathname === CONFIG.logForm) {
      const form = await caches.match(CONFIG.logForm, { cacheName: PAGE_CACHE, ignoreVary: true });
      if (form) return form;
    }
    const fallback = await caches.match(CONFIG.offlinePage, { cacheName: SHELL_CACHE, ignoreVary: true });
    return fallback || new Response("You are offline.", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}

// The log form posted while the network is down (the page thought it was online): keep the entry
// in the queue and show the form again, saying so.
async function logFormPost(request) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (error) {
    const form = await copy.formData();
    const pairs = [];
    let csrf = "";
    for (const [name, value] of form.entries()) {
      if (typeof value !== "string") continue;
      if (name === "csrfmiddlewaretoken") csrf = value;
      else if (name !== "save" && name !== "save_another") pairs.push([name, value]);
    }
    const get = (name) => (pairs.find((pair) => pair[0] === name) || [name, ""])[1];
    const summary = [get("date"), get("minutes") ? get("minutes") + " min" : ""].filter(Boolean).join(" · ");
    await FulcrumQueue.add({ fields: pairs, summary: summary, csrf: csrf });
    FulcrumQueue.announce();
    if (self.registration.sync) self.registration.sync.register(FulcrumQueue.SYNC_TAG).catch(() => {});
    return Response.redirect(CONFIG.logForm + "?queued=1", 303);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate" && url.pathname === CONFIG.logForm) {
    event.respondWith(logFormPost(request));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith(CONFIG.staticUrl)) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// Background Sync: send the queue even when no Fulcrum page is open.
self.addEventListener("sync", (event) => {
  if (event.tag === FulcrumQueue.SYNC_TAG) {
    event.waitUntil(FulcrumQueue.drain({ endpoint: CONFIG.endpoint, state: CONFIG.state, csrf: "" }));
  }
});

// After sign-out has deleted the caches, a page asks for the shell again (it holds nothing personal).
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "precache") {
    event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll([...CONFIG.shell, CONFIG.offlinePage])));
  }
});
