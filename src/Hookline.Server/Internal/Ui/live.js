// The dashboard's script on every page: the live feed (server-sent events), raw input on demand, and the answer key
// a sign-in hands over (approvals.js uses it). No framework.
"use strict";
(function () {
  function subject(e) {
    if (!e.tool_input) return "";
    var text = e.tool_input;
    try {
      var o = JSON.parse(e.tool_input);
      if (o && typeof o === "object") {
        var keys = ["command", "file_path", "path", "notebook_path", "url", "pattern", "query", "prompt", "description"];
        for (var i = 0; i < keys.length; i++) {
          if (typeof o[keys[i]] === "string" && o[keys[i]]) { text = o[keys[i]]; break; }
        }
      }
    } catch (_) { /* not JSON: show as is */ }
    text = text.replace(/\r?\n/g, " ");
    return text.length <= 160 ? text : text.slice(0, 159) + "\u2026";
  }

  function cell(tr, cls, text) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (text instanceof Node) td.appendChild(text); else td.textContent = text == null ? "" : String(text);
    tr.appendChild(td);
    return td;
  }

  // A stored value as a class name: a forged decision such as "allow d-deny" must not add a class.
  function classSuffix(value) {
    return !value ? "none" : /^[A-Za-z0-9_-]+$/.test(value) ? value : "other";
  }

  // Who measured it goes beside the figure: "1.8 ms remote" is the hook's wait for the server, reported by its sidecar.
  function latencyText(e) {
    return e.latency_us == null ? "" : (e.latency_us / 1000).toFixed(1) + " ms " + (e.source || "");
  }

  function row(e) {
    var tr = document.createElement("tr");
    var decision = e.applied || "none";
    tr.className = "d-" + classSuffix(decision);
    tr.dataset.eventId = e.event_id;
    tr.dataset.sessionId = e.session_id;
    var t = cell(tr, "time", e.occurred_at.slice(11, 23));
    t.title = e.occurred_at;
    cell(tr, "", e.agent);
    cell(tr, "", e.user || "-");
    var a = document.createElement("a");
    a.href = "/ui/sessions/" + encodeURIComponent(e.session_id);
    a.textContent = e.session_id.slice(0, 8);
    cell(tr, "", a);
    cell(tr, "", e.tool_name || e.hook_event);
    cell(tr, "subject", subject(e));
    var b = document.createElement("span");
    b.className = "badge b-" + classSuffix(decision);
    b.textContent = decision;
    cell(tr, "decision", b);
    cell(tr, "", e.source);
    cell(tr, "rules", (e.rule_ids || []).join(", "));
    cell(tr, "reason", e.reason || "");
    cell(tr, "latency", latencyText(e));
    return tr;
  }

  // A sign-in hands this origin's script the session's answer key in the URL's fragment, which no server sees: kept in
  // this origin's storage (another port of the host cannot read it, as it can the cookie), then dropped from the URL.
  var keyMark = "#hookline-answer-key=";
  if (location.hash.indexOf(keyMark) === 0) {
    try { localStorage.setItem("hookline-answer-key", location.hash.slice(keyMark.length)); } catch (_) { /* storage off: answers say so */ }
    history.replaceState(null, "", location.pathname + location.search);
  }
  document.addEventListener("submit", function (ev) {
    if (ev.target instanceof HTMLFormElement && ev.target.classList.contains("signout")) {
      try { localStorage.removeItem("hookline-answer-key"); } catch (_) { /* nothing kept */ }
    }
  });

  var feed = document.getElementById("feed");
  if (feed && window.EventSource) {
    var body = feed.tBodies[0];
    var status = document.getElementById("live-status");
    var source = null;
    // (session, event id) -> its row. Never a selector built from data: both ids are whatever a client sent, and an
    // event id reused under another session must not reach a row of the first.
    var rows = new Map();
    var key = function (session, id) { return session + "\n" + id; };
    for (var i = 0; i < body.rows.length; i++) {
      var r = body.rows[i];
      if (r.dataset.eventId) rows.set(key(r.dataset.sessionId, r.dataset.eventId), r);
    }
    // A remote decision's latency comes after its event was stored (its sidecar reports it within a second or two):
    // fetched then for the rows still shown, a few at a time, a bounded number of tries.
    var awaiting = [];
    var awaitLatency = function (e) {
      if (e.latency_us == null && e.source === "remote" && awaiting.length < 200) awaiting.push({ e: e, tries: 0 });
    };
    setInterval(function () {
      awaiting.splice(0, 25).forEach(function (w) {
        var id = key(w.e.session_id, w.e.event_id);
        if (!rows.has(id)) return;
        fetch("/api/events/" + encodeURIComponent(w.e.event_id)).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
          var shown = rows.get(id);
          if (v && v.latency_us != null && v.session_id === w.e.session_id) {
            var td = shown && shown.querySelector("td.latency");
            if (td) td.textContent = latencyText(v);
          } else if (++w.tries < 4 && shown) {
            awaiting.push(w);
          }
        }).catch(function () { /* the next row's fetch may work; this one keeps its blank */ });
      });
    }, 2000);
    var connect = function () {
      source = new EventSource(feed.dataset.live);
      source.addEventListener("ready", function () { status.textContent = "live"; status.dataset.state = "live"; });
      source.onmessage = function (m) {
        var e = JSON.parse(m.data);
        // A sidecar that missed its budget later reports what it applied (local, fail_closed): update the row in place.
        var fresh = row(e);
        var id = key(e.session_id, e.event_id);
        awaitLatency(e);
        var known = rows.get(id);
        rows.set(id, fresh);
        if (known && known.parentNode === body) { body.replaceChild(fresh, known); return; }
        body.insertBefore(fresh, body.firstChild);
        while (body.rows.length > 500) {
          var last = body.rows[body.rows.length - 1];
          var lastKey = key(last.dataset.sessionId, last.dataset.eventId);
          if (rows.get(lastKey) === last) rows.delete(lastKey);
          body.deleteRow(body.rows.length - 1);
        }
        var empty = document.getElementById("feed-empty");
        if (empty) empty.remove();
      };
      source.addEventListener("dropped", function () { source.close(); status.textContent = "catching up"; setTimeout(connect, 500); });
      source.onerror = function () { status.textContent = "reconnecting"; status.dataset.state = "reconnecting"; };
    };
    connect();
  }

  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!(d instanceof HTMLDetailsElement) || !d.open || !d.dataset.raw || d.dataset.loaded) return;
    d.dataset.loaded = "1";
    var pre = d.querySelector("pre");
    pre.textContent = "loading\u2026";
    fetch(d.dataset.raw).then(function (r) { return r.json(); }).then(function (raw) {
      var parts = [];
      ["tool_input", "tool_response", "prompt", "raw_input"].forEach(function (k) {
        if (raw[k] == null) return;
        var text = raw[k];
        try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* keep */ }
        parts.push(k + ":\n" + text);
      });
      if (raw.truncated) parts.push("(payload truncated when stored)");
      pre.textContent = parts.join("\n\n") || "(nothing stored)";
    }).catch(function (err) { pre.textContent = "could not load: " + err; });
  }, true);
})();
