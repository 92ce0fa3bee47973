// Live updates: the desk tells this page that something changed (never what was said); the page
// reads itself again and replaces its live regions, leaving what is being typed alone.
"use strict";
(function () {
  var button = document.getElementById("allow-notifications");
  if (button && "Notification" in window && Notification.permission === "default") {
    button.hidden = false;
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function () { button.hidden = true; });
    });
  }
  // Left alone longer than the desk's idle time, the page reads itself again: the desk then
  // answers with its lock, and nothing of the conversation stays on the screen.
  var idle = Number(document.body.dataset.idleSeconds || 0) * 1000;
  if (idle > 0 && !document.body.hasAttribute("data-closed")) {
    var timer = null;
    var rearm = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { location.reload(); }, idle + 1000);
    };
    ["keydown", "pointerdown", "input"].forEach(function (kind) {
      document.addEventListener(kind, rearm, { passive: true });
    });
    rearm();
  }
  if (!("EventSource" in window) || !document.querySelector("[data-live]")) return;
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { "X-Desk-Live": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) return;
        var fresh = new DOMParser().parseFromString(text, "text/html");
        if (fresh.body.hasAttribute("data-closed") && !document.body.hasAttribute("data-closed")) {
          location.reload();
          return;
        }
        document.querySelectorAll("[data-live]").forEach(function (region) {
          var next = fresh.getElementById(region.id);
          if (next && region.innerHTML !== next.innerHTML && !region.contains(document.activeElement)) {
            region.innerHTML = next.innerHTML;
          }
        });
      })
      .catch(function () {})
      .finally(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var events = new EventSource("/events");
  events.addEventListener("changed", refresh);
  events.addEventListener("waiting", function () {
    refresh();
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      new Notification(document.body.dataset.waitingTitle || "");
    }
  });
})();
