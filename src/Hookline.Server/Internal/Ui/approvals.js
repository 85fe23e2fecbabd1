// The approvals pages: the pending list kept live (server-sent events), the time left counting down, and answers
// sent as JSON POSTs with the page's CSRF token and this origin's answer key (kept by live.js at sign-in).
"use strict";
(function () {
  var csrf = document.querySelector('meta[name="hookline-csrf"]');
  var anchor = document.querySelector("[data-now]");
  // The server's clock decides expiry: count down against it, whatever this browser's clock says.
  var skew = anchor ? Date.parse(anchor.dataset.now) - Date.now() : 0;
  var labels = {
    answered: "Answered", not_found: "Not found", already_resolved: "Already resolved", expired: "Expired",
    not_allowed: "Not allowed", self_approval: "Self approval refused", reason_required: "Refused", refused: "Refused",
  };

  function left(expires) {
    var ms = Date.parse(expires) - (Date.now() + skew);
    if (!(ms > 0)) return "expired";
    var s = Math.ceil(ms / 1000);
    return s >= 60 ? Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s" : s + "s";
  }

  function tick() {
    var cells = document.querySelectorAll("[data-expires]");
    for (var i = 0; i < cells.length; i++) {
      cells[i].textContent = left(cells[i].dataset.expires);
      if (cells[i].textContent === "expired") cells[i].classList.add("expired");
    }
  }
  tick();
  setInterval(tick, 1000);

  function classSuffix(value) {
    return !value ? "none" : /^[A-Za-z0-9_-]+$/.test(value) ? value : "other";
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }

  function cell(tr, cls, content) {
    var td = el("td", cls);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? "" : String(content);
    tr.appendChild(td);
    return td;
  }

  function link(href, text) {
    var a = el("a", null, text);
    a.href = href;
    return a;
  }

  function subject(a) { return a.subject ? a.subject : "(" + a.tool_name + ")"; }
  function pageOf(a) { return "/ui/approvals/" + encodeURIComponent(a.id); }
  function sessionLink(a) { return link("/ui/sessions/" + encodeURIComponent(a.session_id), a.session_id.slice(0, 8)); }

  function answerForm(a) {
    var form = el("form", "answer");
    form.dataset.approvalId = a.id;
    var channel = el("input");
    channel.type = "hidden"; channel.name = "channel"; channel.value = "dashboard";
    var reason = el("input");
    reason.name = "reason"; reason.maxLength = 1000; reason.placeholder = "reason (a deny needs one)";
    reason.setAttribute("aria-label", "reason");
    form.append(channel, reason);
    [["approve", "Approve"], ["deny", "Deny"]].forEach(function (b) {
      var button = el("button", null, b[1]);
      button.type = "submit"; button.name = "decision"; button.value = b[0];
      form.appendChild(button);
    });
    var out = el("output", "outcome");
    out.setAttribute("role", "status");
    form.appendChild(out);
    return form;
  }

  function pendingRow(a) {
    var tr = el("tr", "d-ask");
    tr.dataset.approvalId = a.id;
    var t = cell(tr, "time", a.created_at.slice(11, 23));
    t.title = a.created_at;
    cell(tr, "subject", link(pageOf(a), subject(a)));
    cell(tr, "", a.tool_name);
    cell(tr, "", sessionLink(a));
    cell(tr, "", a.user);
    cell(tr, "", a.agent);
    cell(tr, "rules", a.rule_id);
    cell(tr, "", (a.approvers || []).join(", ") + (a.self_approve ? " (self approval allowed)" : ""));
    var l = cell(tr, "left", left(a.expires_at));
    l.dataset.expires = a.expires_at;
    cell(tr, "", answerForm(a));
    return tr;
  }

  function resolvedRow(a) {
    var tr = el("tr");
    tr.dataset.approvalId = a.id;
    cell(tr, "time", a.answered_at ? a.answered_at.slice(11, 23) : "");
    cell(tr, "subject", link(pageOf(a), subject(a)));
    cell(tr, "", el("span", "badge b-" + classSuffix(a.status), a.status));
    cell(tr, "", a.answered_by || "");
    cell(tr, "", a.channel || "");
    cell(tr, "reason", a.reason || "");
    cell(tr, "", sessionLink(a));
    return tr;
  }

  // Rows by approval id, never through a selector built from data: ids are whatever the store holds.
  function rowOf(body, id) {
    for (var i = 0; i < body.rows.length; i++) if (body.rows[i].dataset.approvalId === id) return body.rows[i];
    return null;
  }

  var table = document.getElementById("approvals");
  var resolvedTable = document.getElementById("resolved");

  // An approval as it now stands: pending ones in the list, resolved ones move to "recently resolved".
  function apply(a) {
    var heading = document.getElementById("approval");
    if (heading && heading.dataset.approvalId === a.id) {
      var badge = heading.querySelector(".badge");
      badge.className = "badge b-" + classSuffix(a.status);
      badge.textContent = a.status;
    }
    if (!table) return;
    var body = table.tBodies[0];
    var row = rowOf(body, a.id);
    if (a.status === "pending") {
      if (!row) body.insertBefore(pendingRow(a), body.firstChild);
    } else {
      if (row) row.remove();
      var done = resolvedTable.tBodies[0];
      var old = rowOf(done, a.id);
      if (old) old.remove();
      done.insertBefore(resolvedRow(a), done.firstChild);
      while (done.rows.length > 20) done.deleteRow(done.rows.length - 1);
    }
    document.getElementById("approvals-empty").hidden = body.rows.length > 0;
  }

  if (table && window.EventSource) {
    var status = document.getElementById("live-status");
    var connect = function () {
      var source = new EventSource(table.dataset.live);
      source.addEventListener("snapshot", function (m) {
        var pending = JSON.parse(m.data);
        var ids = new Set(pending.map(function (a) { return a.id; }));
        var body = table.tBodies[0];
        // Answered or expired while this page was not listening: gone from the list.
        for (var i = body.rows.length - 1; i >= 0; i--) if (!ids.has(body.rows[i].dataset.approvalId)) body.rows[i].remove();
        pending.forEach(apply);
        document.getElementById("approvals-empty").hidden = body.rows.length > 0;
        status.textContent = "live"; status.dataset.state = "live";
      });
      source.onmessage = function (m) { apply(JSON.parse(m.data)); };
      source.addEventListener("dropped", function () { source.close(); status.textContent = "catching up"; setTimeout(connect, 500); });
      source.onerror = function () { status.textContent = "reconnecting"; status.dataset.state = "reconnecting"; };
    };
    connect();
  }

  function send(form, decision) {
    var out = form.querySelector("output");
    var buttons = form.querySelectorAll("button");
    var headers = { "content-type": "application/json" };
    if (csrf) headers["X-Hookline-Csrf"] = csrf.content;
    var key = null;
    try { key = localStorage.getItem("hookline-answer-key"); } catch (_) { /* storage off: the server says what is missing */ }
    if (key) headers["X-Hookline-Answer-Key"] = key;
    var body = JSON.stringify({ reason: form.elements.reason.value, channel: form.elements.channel.value });
    buttons.forEach(function (b) { b.disabled = true; });
    out.textContent = "sending\u2026";
    fetch("/ui/approvals/" + encodeURIComponent(form.dataset.approvalId) + "/" + decision, { method: "POST", headers: headers, body: body })
      .then(function (r) {
        return r.text().then(function (text) {
          try { return JSON.parse(text); } catch (_) { return { outcome: "refused", message: text.trim() || "HTTP " + r.status }; }
        });
      })
      .catch(function (err) { return { outcome: "refused", message: "could not reach the server: " + err }; })
      .then(function (v) {
        form.dataset.outcome = v.outcome;
        out.dataset.outcome = v.outcome;
        out.textContent = (labels[v.outcome] || v.outcome) + ": " + v.message;
        // The list's row leaves once answered: the page-wide line keeps saying what happened.
        var said = document.getElementById("answer-outcome");
        said.textContent = out.textContent;
        said.dataset.outcome = v.outcome;
        if (v.approval) apply(v.approval);
        // Refused for a reason the person can fix (a missing reason, a lost connection): let them try again.
        if (v.outcome === "reason_required" || v.outcome === "refused") buttons.forEach(function (b) { b.disabled = false; });
      });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("answer")) return;
    ev.preventDefault();
    var decision = ev.submitter && ev.submitter.value === "deny" ? "deny" : "approve";
    send(form, decision);
  });
})();
