// The overview page's live updates: while events arrive on the live feed, fetch the server-rendered charts for the
// same range again (at most every 2 s, and never more than a tenth of the time: a range whose charts take the server
// 800 ms to count is fetched again at most every 8 s) and swap them in. The server draws every chart; this only moves its HTML.
"use strict";
(function () {
  var box = document.getElementById("overview-charts");
  var status = document.getElementById("live-status");
  if (!box || !status) return;
  if (!box.dataset.live || !window.EventSource) {
    status.textContent = "not live (the range has ended)";
    status.dataset.state = "static";
    return;
  }
  var minGapMs = 2000;
  var gapMs = minGapMs;
  var lastFetch = 0;
  var pending = false; // events arrived since the last fetch began
  var inFlight = false;
  var timer = null;

  function refresh() {
    timer = null;
    if (inFlight || !pending) return;
    pending = false;
    inFlight = true;
    lastFetch = Date.now();
    fetch(box.dataset.charts, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (html) {
        gapMs = Math.max(minGapMs, 10 * (Date.now() - lastFetch));
        box.innerHTML = html; // the server's own fragment: every stored value in it is escaped there
        box.dataset.updated = String(Number(box.dataset.updated || "0") + 1);
      })
      .catch(function (err) { status.textContent = "update failed: " + err.message; })
      .then(function () { inFlight = false; schedule(); });
  }

  function schedule() {
    if (!pending || inFlight || timer !== null) return;
    timer = setTimeout(refresh, Math.max(0, lastFetch + gapMs - Date.now()));
  }

  var source = null;
  function connect() {
    source = new EventSource(box.dataset.live);
    source.addEventListener("ready", function () { status.textContent = "live"; status.dataset.state = "live"; });
    source.onmessage = function () { pending = true; schedule(); };
    source.addEventListener("dropped", function () {
      source.close(); pending = true; schedule(); status.textContent = "catching up"; setTimeout(connect, 500);
    });
    source.onerror = function () { status.textContent = "reconnecting"; status.dataset.state = "reconnecting"; };
  }
  connect();
})();
