/* keten dashboard, Partners page: partner hosts, received data, requests, sharing,
   credentials, trusted keys and bundle verification (JSON from /dashboard/api/partners). */
(function () {
  "use strict";

  // $, el, row, the fetch wrapper and the error box come from keten.js (loaded before this)
  var k = window.ketenDashboard;
  var $ = k.$, el = k.el, row = k.row, showErrors = k.showErrors, utc = k.utc;

  /* GET without a body; with one, POST it (an object as JSON, a file or text as it is). */
  function api(path, body) {
    if (body === undefined) { return k.api(path); }
    return k.api(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: typeof body === "string" || body instanceof Blob ? body : JSON.stringify(body) });
  }

  function fill(tableId, rows, columns, empty) {
    var body = $(tableId).querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (r) {
      body.appendChild(row(columns(r).map(function (cell) {
        return cell.node ? cell : { num: cell.num,
          text: cell.text === null || cell.text === undefined ? "–" : String(cell.text) };
      })));
    });
    if (!rows.length) {
      var tr = el("tr");
      tr.appendChild(el("td", { colspan: String($(tableId).querySelectorAll("th").length) }, empty));
      body.appendChild(tr);
    }
  }

  function button(label, onClick, cls) {
    var b = el("button", { type: "button", class: cls || "small" }, label);
    b.addEventListener("click", function () {
      b.disabled = true;
      showErrors(null);
      Promise.resolve().then(onClick).catch(showErrors).then(function () { b.disabled = false; });
    });
    return b;
  }

  function group() {
    var span = el("span", { class: "buttons" });
    Array.prototype.slice.call(arguments).forEach(function (b) { span.appendChild(b); });
    return span;
  }

  var STATEMENT_CLASS = { verified: "ok", none: "" };

  function statementBadge(r) {
    var cls = STATEMENT_CLASS[r.statement_status];
    var node = el("span", { class: "badge " + (cls === undefined ? "bad" : cls), title: r.statement_detail || "" },
      r.statement_status === "none" ? "no statement" : r.statement_status);
    return node;
  }

  function options(select, items, value, label, empty) {
    select.textContent = "";
    items.forEach(function (item) { select.appendChild(el("option", { value: value(item) }, label(item))); });
    // an empty list says why, instead of an empty box
    if (!items.length) { select.appendChild(el("option", { value: "" }, empty)); }
  }

  function load() {
    return api("/dashboard/api/partners").then(function (view) {
      fill("partners-table", view.partners, function (p) {
        return [{ text: p.name }, { text: p.base_url }, { text: p.pact_version ? "v" + p.pact_version : "?" },
          { node: el("span", { class: "badge " + (p.status === "ok" ? "ok" : (p.status === "new" ? "" : "bad")), title: p.last_error || "" },
            p.status + (p.last_error ? ": " + p.last_error.slice(0, 80) : "")) },
          { text: p.last_fetch_at ? utc(p.last_fetch_at) : "never" }, { text: p.received_footprints, num: true },
          { node: group(
            button("Fetch", function () { return api("/dashboard/api/partners/host/" + encodeURIComponent(p.name) + "/fetch", {}).then(load); }),
            button("Remove", function () {
              if (!window.confirm("Remove " + p.name + " and the footprints received from it?")) { return null; }
              return api("/dashboard/api/partners/host/" + encodeURIComponent(p.name) + "/remove", {}).then(load);
            })) }];
      }, "No partner hosts yet: add one below.");
      fill("received-table", view.received, function (r) {
        return [{ text: r.partner }, { text: r.kind }, { text: r.local_id || r.footprint_id },
          { text: r.spec_version }, { text: Number(r.co2e_kg).toLocaleString("en-GB", { maximumFractionDigits: 3 }), num: true },
          { text: r.declared_amount + " " + r.declared_unit }, { node: statementBadge(r) },
          { text: utc(r.received_at) }, { node: el("code", { title: r.sha256 }, r.sha256.slice(0, 19) + "…") }];
      }, "Nothing received yet: fetch from a partner.");
      fill("outgoing-table", view.outgoing_requests, function (r) {
        return [{ text: utc(r.created_at) }, { text: r.partner }, { text: JSON.stringify(r.criteria) },
          { text: r.status + (r.detail ? ": " + r.detail : "") }, { text: r.footprint_count, num: true }];
      }, "No requests sent.");
      fill("incoming-table", view.incoming_requests, function (r) {
        return [{ text: utc(r.received_at) }, { text: r.from_name }, { text: "v" + r.pact_version },
          { text: JSON.stringify(r.criteria) }, { text: r.status + (r.detail ? ": " + r.detail : "") }];
      }, "No requests received.");
      fill("sharing-table", view.sharing, function (s) {
        return [{ text: s.company_name + " (" + s.company_id + ")" }, { text: s.shared + " of " + s.own_footprints, num: true },
          { node: button("Share all", function () { return api("/dashboard/api/partners/share", { company_id: s.company_id }).then(load); }) }];
      }, "No other companies on this host.");
      fill("credentials-table", view.credentials, function (c) {
        return [{ text: c.company_name + " (" + c.company_id + ")" }, { node: el("code", {}, c.client_id) }, { text: utc(c.created_at) },
          { text: c.revoked_at ? "revoked " + utc(c.revoked_at) : "active" },
          { node: c.revoked_at ? el("span", {}, "") : button("Revoke", function () {
            return api("/dashboard/api/partners/credentials/" + encodeURIComponent(c.client_id) + "/revoke", {}).then(load);
          }) }];
      }, "No credentials issued to partners.");
      fill("keys-table", view.trusted_keys, function (k) {
        return [{ text: (k.company_name || "") + " (" + k.company_id + ")" }, { node: el("code", {}, k.fingerprint) },
          { node: button("Remove", function () { return api("/dashboard/api/partners/keys/remove", { fingerprint: k.fingerprint }).then(load); }) }];
      }, "No trusted keys: statements cannot be verified as coming from a known partner.");
      options($("r-partner"), view.partners, function (p) { return p.name; }, function (p) { return p.name; },
        "no partner host yet: add one above");
      options($("c-company"), view.sharing, function (s) { return s.company_id; }, function (s) { return s.company_name; },
        "no other company on this host yet");
      $("partners-table").setAttribute("data-ready", "1");
    }).catch(showErrors);
  }

  $("partner-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showErrors(null);
    api("/dashboard/api/partners", { name: $("p-name").value, url: $("p-url").value,
      client_id: $("p-client").value, client_secret: $("p-secret").value, direction: $("p-direction").value })
      .then(function () { $("p-secret").value = ""; return load(); }).catch(showErrors);
  });
  $("request-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showErrors(null);
    api("/dashboard/api/partners/host/" + encodeURIComponent($("r-partner").value) + "/request", { filters: $("r-filters").value })
      .then(load).catch(showErrors);
  });
  $("credentials-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showErrors(null);
    api("/dashboard/api/partners/credentials", { company_id: $("c-company").value }).then(function (created) {
      var out = $("credentials-result");
      out.textContent = "";
      out.appendChild(el("p", { class: "badge ok" }, "Give these to the partner now; the secret is not shown again."));
      out.appendChild(el("pre", {}, "client_id=" + created.client_id + "\nclient_secret=" + created.client_secret));
      return load();
    }).catch(showErrors);
  });
  $("key-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showErrors(null);
    var entry = { company_id: $("key-company").value, company_name: $("key-name").value,
      public_key_pem: $("key-entry").value };
    api("/dashboard/api/partners/keys", entry).then(function () { $("key-entry").value = ""; return load(); }).catch(showErrors);
  });
  $("pverify-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showErrors(null);
    var out = $("pverify-result");
    out.textContent = "";
    var file = $("pbundle-file").files[0];
    if (!file) { showErrors({ title: "Choose a bundle file first.", problems: [] }); return; }
    api("/dashboard/api/partners/verify", file).then(function (result) {
      out.appendChild(el("p", { class: "badge " + (result.ok ? "ok" : "bad"), "data-reason": result.reason },
        result.ok ? "Verified: every signature, hash link and sum checks out, with trusted keys."
          : "Not verified: " + result.reason + "."));
      if (result.first_issue) { out.appendChild(el("p", {}, result.first_issue)); }
      if (result.issues.length > 1) {
        var list = el("ul");
        result.issues.forEach(function (i) { list.appendChild(el("li", {}, i)); });
        out.appendChild(list);
      }
    }).catch(showErrors);
  });
  load();
})();
