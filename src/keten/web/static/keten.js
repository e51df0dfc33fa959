/* keten dashboard scripts: fetch JSON from /dashboard/api, draw plotly figures, poll jobs. */
(function () {
  "use strict";

  var PLOT_CONFIG = { responsive: true, displaylogo: false, scrollZoom: true };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fmt(value, digits) {
    if (value === null || value === undefined || value === "") { return "–"; }
    var n = Number(value);
    if (!isFinite(n)) { return String(value); }
    var places = digits === undefined ? 1 : digits;
    // fixed decimals, so that a column of numbers lines up under its header
    return n.toLocaleString("en-GB", { minimumFractionDigits: places, maximumFractionDigits: places });
  }

  /* An ISO 8601 UTC time as people read it: "2026-01-10 08:00" (the header says UTC);
     anything else as given. */
  function utc(value) {
    var m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?(Z|\+00:00)$/.exec(String(value || ""));
    return m ? m[1] + " " + m[2] : (value || "–");
  }

  /* fetch with the session cookie and the dashboard header; rejects with {title, problems}. */
  function api(path, options) {
    options = options || {};
    var headers = Object.assign({ "X-Keten-Dashboard": "1" }, options.headers || {});
    return fetch(path, Object.assign({ credentials: "same-origin" }, options, { headers: headers }))
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          if (response.status === 401) {
            window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
          }
          if (!response.ok) {
            var error = (body && body.error) || {
              title: (body && body.message) || ("the server answered " + response.status),
              problems: []
            };
            throw error;
          }
          return body;
        });
      });
  }

  function showErrors(error) {
    var box = $("errors");
    if (!box) { return; }
    box.textContent = "";
    if (!error) { box.hidden = true; return; }
    box.appendChild(el("h2", {}, error.title || "Something went wrong"));
    var problems = error.problems || [];
    if (problems.length) {
      var list = el("ul");
      problems.forEach(function (p) { list.appendChild(el("li", {}, p)); });
      box.appendChild(list);
      if (error.count && error.count > problems.length) {
        box.appendChild(el("p", {}, "… and " + (error.count - problems.length) + " more."));
      }
    }
    box.hidden = false;
  }

  function plot(id, figure) {
    var node = $(id);
    if (!node || !figure) { return Promise.resolve(); }
    var layout = figure.layout;
    if (window.innerWidth < 600 && layout.legend) {
      /* narrow window: the legend goes under the plot instead of beside or over it; a map's
         size key moves into its corner (layout.meta.narrow, keten.web.charts.network_map) */
      layout = Object.assign({}, layout, (layout.meta && layout.meta.narrow) || {}, {
        legend: { orientation: "h", x: 0, y: -0.02, yanchor: "top", bgcolor: "rgba(255,255,255,0)" }
      });
    }
    /* a figure that sets its own height (one row per service line) gets a box that tall */
    if (layout.height) { node.style.height = layout.height + "px"; }
    return Plotly.react(node, figure.data, layout, PLOT_CONFIG);
  }

  function kpis(id, items) {
    var dl = $(id);
    dl.textContent = "";
    items.forEach(function (item) {
      var box = el("div");
      box.appendChild(el("dt", {}, item[0]));
      box.appendChild(el("dd", {}, item[1]));
      dl.appendChild(box);
    });
  }

  function wait(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

  /* Poll a background job until it is done; shows its progress and message. */
  function followJob(job) {
    var status = $("job-status");
    var bar = $("job-progress");
    var message = $("job-message");
    status.hidden = false;
    bar.hidden = false;
    function update(j) {
      bar.value = j.progress;
      message.textContent = j.message + " (" + fmt(j.elapsed_s, 1) + " s)";
    }
    function loop(j) {
      update(j);
      if (j.status === "done") { return j.result; }
      if (j.status === "failed") { bar.hidden = true; throw j.error; }
      return wait(300).then(function () { return api("/dashboard/api/jobs/" + j.id); }).then(loop);
    }
    return Promise.resolve(job).then(loop);
  }

  function busy(buttons, on) {
    buttons.forEach(function (b) { if (b) { b.disabled = on; } });
  }

  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (c) {
      var td = el("td", c.num ? { class: "num" } : {});
      if (c.node) { td.appendChild(c.node); } else { td.textContent = c.text; }
      tr.appendChild(td);
    });
    return tr;
  }

  /* ------------------------------------------------------------ network */

  function detailList(obj, skip) {
    var dl = el("dl");
    Object.keys(obj).forEach(function (k) {
      var v = obj[k];
      if (skip.indexOf(k) >= 0 || v === null || v === "" || v === undefined) { return; }
      dl.appendChild(el("dt", {}, k.replace(/_/g, " ")));
      dl.appendChild(el("dd", {}, typeof v === "number" ? fmt(v, 3) : v));
    });
    return dl;
  }

  function networkPage() {
    var data = null;
    var select = $("feature-select");
    function show(kind, id) {
      var item = kind === "node" ? data.nodes[id] : data.links[id];
      var box = $("details");
      box.textContent = "";
      if (!item) { box.appendChild(el("p", { class: "hint" }, "Nothing selected yet.")); return; }
      box.appendChild(el("h3", {}, (kind === "node" ? "Node " : "Link ") + id));
      box.appendChild(detailList(item, ["source"]));
      if (item.source) { box.appendChild(el("p", { class: "hint" }, "Source: " + item.source)); }
      select.value = kind + ":" + id;
    }
    function sizeTerminals() {
      // the terminals' throughput routes the demo demand: drawn once it is ready
      return api("/dashboard/api/network?sized=true").then(function (payload) {
        data = payload;
        $("network-summary").textContent = payload.summary.text + ". Terminal size: " +
          (payload.summary.throughput_basis || "equal (no throughput known)") + ".";
        return plot("network-map", payload.figure);
      }).then(function () { $("network-map").setAttribute("data-sized", "1"); });
    }
    api("/dashboard/api/network?sized=false").then(function (payload) {
      data = payload;
      var nodes = el("optgroup", { label: "Nodes" });
      Object.keys(payload.nodes).sort().forEach(function (id) {
        nodes.appendChild(el("option", { value: "node:" + id }, payload.nodes[id].name + " (" + id + ")"));
      });
      var links = el("optgroup", { label: "Links" });
      Object.keys(payload.links).sort().forEach(function (id) {
        links.appendChild(el("option", { value: "link:" + id }, id));
      });
      select.appendChild(nodes);
      select.appendChild(links);
      var list = $("feature-list");
      [].forEach.call(select.querySelectorAll("option[value]"), function (o) {
        if (o.value) { list.appendChild(el("option", { value: o.textContent })); }
      });
      $("network-summary").textContent = payload.summary.text +
        ". Terminal size: equal until the throughput is computed…";
      return plot("network-map", payload.figure);
    }).then(function () {
      var map = $("network-map");
      map.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        if (point && point.customdata) { show(point.customdata[0], point.customdata[1]); }
      });
      map.setAttribute("data-ready", "1");
      return sizeTerminals();
    }).catch(showErrors);
    $("feature-search").addEventListener("change", function () {
      // a name or id typed or picked from the list: the first node or link it matches
      var text = this.value.trim().toLowerCase();
      if (!text || !data) { return; }
      var hit = [].filter.call(select.querySelectorAll("option[value]"), function (o) {
        return o.value && o.textContent.toLowerCase().indexOf(text) >= 0;
      })[0];
      if (hit) { var i = hit.value.indexOf(":"); show(hit.value.slice(0, i), hit.value.slice(i + 1)); }
    });
    select.addEventListener("change", function () {
      var value = select.value;
      if (!value || !data) { return; }
      var i = value.indexOf(":");
      show(value.slice(0, i), value.slice(i + 1));
    });
  }

  /* ------------------------------------------------------------ footprint */

  function footprintPage() {
    var form = $("upload-form");
    var buttons = [$("upload-button"), $("demo-button")];
    var latest = 0;  // the newest run: an older one (the demo loaded at start) is not shown
    function render(jobId, result, auto) {
      var view = result.view;
      var t = view.totals;
      $("result-file").textContent = result.file;
      kpis("totals", [
        ["CO2e well-to-wheel", fmt(t.co2e_wtw_kg, 1) + " kg"],
        ["CO2e tank-to-wheel", fmt(t.co2e_ttw_kg, 1) + " kg"],
        ["transport activity", fmt(t.transport_activity_tkm, 0) + " tkm"],
        ["NOx", fmt(t.nox_kg, 2) + " kg"],
        ["PM", fmt(t.pm_kg, 3) + " kg"],
        ["shipments / TCEs", fmt(t.shipment_count, 0) + " / " + fmt(t.tce_count, 0)],
        ["factor set", view.factor_set]
      ]);
      $("download-csv").href = "/dashboard/api/footprint/" + jobId + "/tces.csv";
      $("download-ileap").href = "/dashboard/api/footprint/" + jobId + "/ileap.json";
      var body = $("shipments-table").querySelector("tbody");
      body.textContent = "";
      var distanceTypes = { actual: "actual", sfd: "shortest feasible", gcd: "great circle × DAF" };
      function showTces(shipmentId) {
        $("tce-shipment").textContent = shipmentId;
        var tbody = $("tce-table").querySelector("tbody");
        tbody.textContent = "";
        (view.tces || []).filter(function (t) { return t.shipment_id === shipmentId; }).forEach(function (t) {
          var transport = t.kind === "transport";
          tbody.appendChild(row([{ text: t.tce_id },
            { text: transport ? (t.mode || "") : "hub: " + (t.hub_type || "") },
            { text: t.toc_id || t.hoc_id || "" },
            { text: transport ? fmt(t.distance_km, 1) : "—", num: true },
            { text: transport ? (distanceTypes[t.distance_type] || t.distance_type || "") : "—" },
            { text: transport ? fmt(t.transport_activity_tkm, 0) : "—", num: true },
            { text: fmt(t.co2e_wtw_kg, 2), num: true }, { text: fmt(t.co2e_ttw_kg, 2), num: true },
            { text: fmt(t.nox_kg, 4), num: true }, { text: fmt(t.pm_kg, 5), num: true },
            { text: fmt(t.sox_kg, 5), num: true }, { text: t.data_source || "" }]));
        });
      }
      view.by_shipment.slice(0, 25).forEach(function (s) {
        var share = s.primary_data_share;
        var tr = row([{ text: s.shipment_id }, { text: fmt(s.co2e_wtw_kg, 2), num: true },
          { text: fmt(s.co2e_ttw_kg, 2), num: true }, { text: fmt(s.transport_activity_tkm, 0), num: true },
          { text: s.co2e_intensity_wtw_kg_per_tkm == null ? "–" : fmt(s.co2e_intensity_wtw_kg_per_tkm, 4), num: true },
          { text: fmt(s.nox_kg, 3), num: true }, { text: fmt(s.pm_kg, 4), num: true },
          { text: fmt(s.sox_kg, 4), num: true },
          { text: share == null ? "–" : fmt(100 * share, 0) + " %", num: true }]);
        tr.tabIndex = 0;
        tr.classList.add("pick");
        tr.addEventListener("click", function () { showTces(s.shipment_id); });
        tr.addEventListener("keydown", function (e) { if (e.key === "Enter") { showTces(s.shipment_id); } });
        body.appendChild(tr);
      });
      if (view.by_shipment.length) { showTces(view.by_shipment[0].shipment_id); }
      $("results").hidden = false;
      return Promise.all([
        plot("chart-mode", result.figures.mode), plot("chart-month", result.figures.month),
        plot("chart-lane", result.figures.lane), plot("chart-shipment", result.figures.shipment)
      ]).then(function () { $("results").setAttribute(auto ? "data-demo-ready" : "data-ready", jobId); });
    }
    function run(request, auto) {
      var mine = ++latest;
      showErrors(null);
      busy(buttons, true);
      var jobId = null;
      return request.then(function (job) { jobId = job.id; return followJob(job); })
        .then(function (result) { if (mine === latest) { return render(jobId, result, auto); } })
        .catch(function (error) { if (mine === latest) { $("results").hidden = true; showErrors(error); } })
        .then(function () { if (mine === latest) { busy(buttons, false); } });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = $("tce-file").files[0];
      if (!file) {
        showErrors({ title: "Choose a TCE file first (CSV, Parquet or JSON).", problems: [] });
        $("tce-file").focus();
        return;
      }
      var demo = $("demo-factors").checked ? "1" : "0";
      run(api("/dashboard/api/footprint?demo_factors=" + demo, {
        method: "POST", body: file,
        headers: { "X-Filename": file.name, "Content-Type": "application/octet-stream" }
      }));
    });
    $("demo-button").addEventListener("click", function () {
      run(api("/dashboard/api/footprint/demo", { method: "POST" }));
    });
    // the demo portfolio is shown from the start, as the README says; any run replaces it
    run(api("/dashboard/api/footprint/demo", { method: "POST" }), true);
  }

  /* ------------------------------------------------------------ planning */

  function planningPage() {
    var form = $("plan-form");
    var latest = 0;  // the newest run: an older one (the demo planned at start) is not shown
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      start(false);
    });
    function start(auto) {
      var mine = ++latest;
      showErrors(null);
      busy([$("plan-button")], true);
      var body = new FormData();
      body.append("carbon_price_eur_per_t", $("carbon-price").value);
      body.append("sweep", $("sweep").value);
      [["shipments", "shipments-file"], ["services", "services-file"], ["terminals", "terminals-file"]]
        .forEach(function (pair) {
          var file = $(pair[1]).files[0];
          if (file) { body.append(pair[0], file, file.name); }
        });
      var jobId = null;
      api("/dashboard/api/planning", { method: "POST", body: body })
        .then(function (job) { jobId = job.id; return followJob(job); }).then(function (result) {
        if (mine !== latest) { return "stale"; }
        var view = result.view;
        $("download-plan").href = "/dashboard/api/planning/" + jobId + "/plan.csv";
        var rows = view.assignments || [];
        $("plan-count").textContent = "(" + rows.length + " of " + (view.assignment_count || rows.length) + " assignments)";
        var tbody = $("plan-table").querySelector("tbody");
        tbody.textContent = "";
        rows.forEach(function (a) {
          tbody.appendChild(row([{ text: a.shipment_id }, { text: a.main_mode === "inland_waterway" ? "barge" : a.main_mode },
            { text: fmt(a.units, Number(a.units) % 1 === 0 ? 0 : 2), num: true },
            { text: (a.delivery_at || "").replace("T", " ").slice(0, 16) }, { text: fmt(a.late_h, 1), num: true },
            { text: fmt(a.cost_eur, 0), num: true }, { text: fmt(a.co2e_wtw_kg, 1), num: true },
            { text: a.route || a.legs }]));
        });
        $("plan-input").textContent = view.input;
        var before = view.scenarios[0];
        var after = view.scenarios[1];
        var shift = view.modal_shift.plan || {};
        kpis("kpis", [
          ["CO2e WTW before → after", fmt(before.co2e_wtw_kg, 0) + " → " + fmt(after.co2e_wtw_kg, 0) + " kg"],
          ["CO2e saved", fmt(100 * (shift.co2e_wtw_saved_share || 0), 1) + " %"],
          ["cost saved", fmt(shift.cost_saved_eur, 0) + " EUR"],
          ["road share of tkm", fmt(100 * before.road_tkm_share, 0) + " % → " + fmt(100 * after.road_tkm_share, 0) + " %"],
          ["NOx before → after", fmt(before.nox_kg, 1) + " → " + fmt(after.nox_kg, 1) + " kg" +
            (after.nox_kg > before.nox_kg ? " (rises +" + fmt(after.nox_kg - before.nox_kg, 1) + ")" : "")],
          ["on time", fmt(100 * (after.on_time_rate || 0), 1) + " %"],
          ["unserved shipments", fmt(after.unserved_shipments, 0)]
        ]);
        $("results").hidden = false;
        return Promise.all([plot("chart-modal-split", result.figures.modal_split),
          plot("chart-tradeoff", result.figures.tradeoff),
          plot("chart-utilisation", result.figures.utilisation),
          plot("chart-plan-map", result.figures.plan_map)]);
      }).then(function (state) {
        if (state !== "stale") { $("results").setAttribute(auto ? "data-demo-ready" : "data-ready", "1"); }
      }).catch(function (error) { if (mine === latest) { showErrors(error); } })
        .then(function () { if (mine === latest) { busy([$("plan-button")], false); } });
    }
    start(true);  // the demo portfolio is planned from the start; "Plan" replaces it
  }

  /* ------------------------------------------------------------ resilience */

  function resiliencePage() {
    var slider = $("discharge");
    var output = $("discharge-value");
    var status = $("lowwater-status");
    var pending = null;
    var running = false;
    var timer = null;
    function load(value) {
      if (running) { pending = value; return; }
      running = true;
      status.textContent = "Computing low water at " + value + " m³/s…";
      var query = "?discharge_m3s=" + encodeURIComponent(value) +
        "&rail_paths=" + encodeURIComponent($("cap-rail").value) +
        "&trucks=" + encodeURIComponent($("cap-trucks").value) +
        "&fleet_utilisation=" + encodeURIComponent($("cap-fleet").value);
      api("/dashboard/api/resilience/lowwater" + query)
        .then(function (payload) {
          showErrors(null);
          var t = payload.view.totals;
          kpis("impact-kpis", [
            ["affected waterways", String(payload.view.affected.length)],
            ["extra cost incl. surcharges", fmt(t.extra_cost_incl_surcharges_eur, 0) + " EUR"],
            ["extra CO2e WTW", fmt(t.extra_co2e_wtw_kg / 1000, 0) + " t"],
            ["peak backlog", fmt(t.peak_backlog_t, 0) + " t"],
            ["late tonnes", fmt(t.late_t, 0) + " t"],
            ["lost tonnes", fmt(t.lost_t, 0) + " t"],
            ["time to recover", fmt(t.time_to_recover_days, 0) + " days"],
            ["rail tkm change", fmt((t.shift_tkm_rail || 0) / 1e6, 1) + " M tkm"]
          ]);
          var capBody = $("capacity-table").querySelector("tbody");
          capBody.textContent = "";
          (payload.view.capacity || []).forEach(function (r) {
            capBody.appendChild(row([{ text: r.setting },
              { text: typeof r.value === "number" ? fmt(r.value, 2) : String(r.value), num: true },
              { text: r.unit }, { text: r.source }]));
          });
          return Promise.all([plot("lowwater-map", payload.figures.map),
            plot("chart-days", payload.figures.days), plot("chart-split", payload.figures.modal_split)])
            .then(function () {
              status.textContent = payload.view.scenario + ": " + payload.view.affected.length +
                " waterways lose payload.";
              $("lowwater-map").setAttribute("data-discharge", String(payload.view.discharge_m3s));
            });
        })
        .catch(function (error) { status.textContent = ""; showErrors(error); })
        .then(function () {
          running = false;
          if (pending !== null) { var next = pending; pending = null; load(next); }
        });
    }
    var sweepForm = $("sweep-form");
    sweepForm.addEventListener("submit", function (event) {
      event.preventDefault();
      showErrors(null);
      busy([$("sweep-button")], true);
      var runs = Number($("sweep-runs").value);
      api("/dashboard/api/resilience/sweep", { method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ runs: Number.isInteger(runs) ? runs : $("sweep-runs").value }) })
        .then(followJob).then(function (result) {
          $("sweep-runs-done").textContent = String(result.runs) + " (" + result.scheduler + ")";
          var body = $("sweep-table").querySelector("tbody");
          body.textContent = "";
          result.summary.forEach(function (r) {
            body.appendChild(row([{ text: r.label || r.metric }, { text: fmt(r.mean, 1), num: true },
              { text: fmt(r.p5, 1), num: true }, { text: fmt(r.p50, 1), num: true },
              { text: fmt(r.p95, 1), num: true }]));
          });
          $("sweep-results").hidden = false;
          return Promise.all([plot("chart-sweep-cost", result.figures.extra_cost_eur),
            plot("chart-sweep-co2e", result.figures.extra_co2e_wtw_kg)]);
        }).then(function () { $("sweep-results").setAttribute("data-ready", "1"); })
        .catch(showErrors)
        .then(function () { busy([$("sweep-button")], false); });
    });
    $("exposure-form").addEventListener("submit", function (event) {
      event.preventDefault();
      showErrors(null);
      busy([$("exposure-button")], true);
      api("/dashboard/api/resilience/exposure", { method: "POST" })
        .then(followJob).then(function (result) {
          var body = $("exposure-table").querySelector("tbody");
          body.textContent = "";
          result.rows.forEach(function (r) {
            var kind = r.kind === "inland_waterway" ? "waterway" :
              r.kind === "terminal" ? (r.mode || "").replace("inland_terminal", "inland terminal")
                .replace("rail_terminal", "rail terminal") || "terminal" : r.kind;
            body.appendChild(row([{ text: String(r.rank), num: true },
              { text: r.element_name || r.element_id },
              { text: kind }, { text: fmt(r.ttr_days, 0), num: true },
              { text: r.tts_days === null ? "beyond" : fmt(r.tts_days, 0), num: true },
              { text: fmt(r.financial_impact_eur, 0), num: true },
              { text: fmt(r.risk_exposure_index, 2), num: true },
              { text: r.tonnes_per_day === null ? "" : fmt(r.tonnes_per_day, 0), num: true },
              { text: r.has_detour === null || r.has_detour === undefined ? "" :
                (r.has_detour ? "yes" : "none in its mode") }]));
          });
          $("exposure-results").hidden = false;
          return plot("exposure-map", result.figure);
        }).then(function () { $("exposure-results").setAttribute("data-ready", "1"); })
        .catch(showErrors)
        .then(function () { busy([$("exposure-button")], false); });
    });
    $("capacity-form").addEventListener("submit", function (event) {
      event.preventDefault();
      load(slider.value);
    });
    slider.addEventListener("input", function () {
      output.textContent = slider.value;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { load(slider.value); }, 150);
    });
    slider.addEventListener("change", function () {
      output.textContent = slider.value;
      window.clearTimeout(timer);
      load(slider.value);
    });
    load(slider.value);
    api("/dashboard/api/resilience/criticality").then(function (payload) {
      var body = $("criticality-table").querySelector("tbody");
      body.textContent = "";  // the "re-routing…" placeholder
      payload.top.forEach(function (r) {
        var name = (r.link_name || r.link_id) + (r.sections > 1 ? " (" + r.sections + " sections)" : "");
        body.appendChild(row([{ text: name }, { text: r.mode === "inland_waterway" ? "barge" : r.mode },
          { text: fmt(r.tonnes_per_day, 0), num: true },
          { text: fmt(r.extra_cost_eur_per_day, 0), num: true },
          { text: fmt(r.extra_co2e_wtw_kg_per_day, 0), num: true },
          { text: r.has_detour ? "yes" : "none in its mode" }]));
      });
      var net = payload.network;
      $("criticality-summary").textContent = "Of the network's " + fmt(net.links, 0) +
        " links, " + fmt(net.with_detour, 0) + " have a detour in their own mode and " +
        fmt(net.bridges, 0) + " have none (dead-end harbour basins, roads and sidings " +
        "included). Closing one section of a waterway, road or line costs about the same " +
        "as closing its neighbours, so the table shows each once, with its costliest section.";
      return plot("criticality-map", payload.figure);
    }).then(function () { $("criticality-map").setAttribute("data-ready", "1"); }).catch(showErrors);
  }

  /* ------------------------------------------------------------ chain */

  function badge(s) {
    if (s.superseded_by) { return el("span", { class: "badge warn" }, "superseded by " + s.superseded_by); }
    var text = s.trusted ? "verified, trusted key" : "verified, key not on trust list";
    return el("span", { class: "badge " + (s.trusted ? "ok" : "warn") }, text);
  }

  function subjectText(subject) {
    var parts = [];
    if (subject.shipment_id) { parts.push("shipment " + subject.shipment_id); }
    if (subject.consignment_id) { parts.push("consignment " + subject.consignment_id); }
    return parts.join(", ");
  }

  /* the statements as verified: signed names, subjects with their signed mapping, versions */
  function chainStatementsTable(out, report) {
    var statements = report.statements || [];
    if (!statements.length) { return; }
    var superseded = {};
    (report.superseded || []).forEach(function (s) { superseded[s.statement_hash] = s; });
    var table = el("table", { id: "verify-statements" });
    var head = el("tr");
    ["issuer (signed)", "subject (signed mapping \u2190)", "version", "own kg CO2e", "cum. kg CO2e", "status"].forEach(function (h, i) {
      head.appendChild(el("th", { scope: "col", class: i === 3 || i === 4 ? "num" : "" }, h));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    statements.forEach(function (s) {
      var subject = subjectText(s.subject);
      if (s.subject_mapping) {
        subject += " ← " + s.subject_mapping.upstream.map(function (u) { return subjectText(u.subject); }).join(", ") +
          " (" + s.subject_mapping.relation + ")";
      }
      var version = s.sequence ? "seq. " + s.sequence + (s.supersedes ? " (correction)" : "") : "format 1";
      var sup = superseded[s.statement_hash];
      var status = s.ok ? "ok" : (sup ? "superseded" + (sup.newer_sequence ? " by seq. " + sup.newer_sequence : "") : "broken");
      body.appendChild(row([{ text: (s.company_name ? s.company_name + " (" + s.company_id + ")" : s.company_id) },
        { text: subject }, { text: version }, { text: fmt(s.own.co2e_wtw_kg, 3), num: true },
        { text: fmt(s.cumulative.co2e_wtw_kg, 3), num: true }, { text: status }]));
    });
    table.appendChild(body);
    var wrap = el("div", { class: "table-wrap" });
    wrap.appendChild(table);
    out.appendChild(wrap);
  }

  function chainPage() {
    function load() {
      return api("/dashboard/api/chain").then(function (view) {
        var sent = $("sent-table").querySelector("tbody");
        var received = $("received-table").querySelector("tbody");
        sent.textContent = "";
        received.textContent = "";
        view.statements.forEach(function (s) {
          if (s.direction === "sent") {
            sent.appendChild(row([{ text: s.shipment_id || "–" }, { text: utc(s.issued_at) },
              { text: fmt(s.own_co2e_wtw_kg, 3), num: true }, { text: fmt(s.cumulative_co2e_wtw_kg, 3), num: true },
              { text: String(s.upstream), num: true }, { node: badge(s) }]));
          } else {
            received.appendChild(row([{ text: s.shipment_id || "–" }, { text: s.issuer }, { text: utc(s.issued_at) },
              { text: fmt(s.own_co2e_wtw_kg, 3), num: true }, { text: fmt(s.cumulative_co2e_wtw_kg, 3), num: true },
              { node: badge(s) }]));
          }
        });
        [[sent, 6], [received, 6]].forEach(function (pair) {
          if (!pair[0].children.length) {
            var tr = el("tr");
            tr.appendChild(el("td", { colspan: String(pair[1]) }, "No statements."));
            pair[0].appendChild(tr);
          }
        });
        var keys = $("keys-list");
        keys.textContent = "";
        view.trusted_keys.forEach(function (k) {
          // the name is a label the company registered, not signed: the id comes first
          keys.appendChild(el("li", {}, k.company_id + (k.company_name ? " (registered as " + k.company_name + ")" : "") + " — " + k.fingerprint));
        });
        if (!view.trusted_keys.length) { keys.appendChild(el("li", {}, "No keys registered.")); }
        $("sent-table").setAttribute("data-ready", "1");
      }).catch(showErrors);
    }
    $("verify-form").addEventListener("submit", function (event) {
      event.preventDefault();
      showErrors(null);
      var out = $("verify-result");
      out.textContent = "";
      var file = $("bundle-file").files[0];
      if (!file) { showErrors({ title: "Choose a bundle file first.", problems: [] }); return; }
      api("/dashboard/api/chain/verify", { method: "POST", body: file,
        headers: { "Content-Type": "application/json" } })
        .then(function (result) {
          var ok = result.ok;
          var superseded = result.status === "superseded";
          out.appendChild(el("p", { id: "verify-status", class: "badge " + (ok ? "ok" : (superseded ? "warn" : "bad")) },
            ok ? (result.trusted ? "The bundle verifies with trusted keys."
              : "Signatures valid, signers not trusted (no keys registered for them).")
              : superseded ? "Superseded: the chain is intact, but a newer statement of the same issuer replaces one of it. Ask the sender for a bundle built on the current one."
              : "The bundle does NOT verify: " + result.reason + "."));
          var report = result.report || {};
          (report.subject_mappings || []).forEach(function (m) {
            out.appendChild(el("p", { class: "mapping" }, "Subject mapping: " + m));
          });
          (report.notes || []).forEach(function (n) { out.appendChild(el("p", {}, "Note: " + n)); });
          chainStatementsTable(out, report);
          var warnings = report.warnings || [];
          warnings.forEach(function (w) { out.appendChild(el("p", { class: "badge bad" }, "Warning: " + w)); });
          var issues = (result.report && result.report.issues) || [];
          if (issues.length) {
            var list = el("ul");
            issues.forEach(function (i) { list.appendChild(el("li", {}, typeof i === "string" ? i : ((i.check ? i.check + ": " : "") + i.message))); });
            out.appendChild(list);
          }
          if (result.stored) { out.appendChild(el("p", {}, result.stored + " new statement(s) stored.")); }
          return load();
        }).catch(showErrors);
    });
    load();
  }

  /* shared with page scripts that live in their own file (construction.js, partners.js) */
  window.ketenDashboard = { $: $, api: api, el: el, fmt: fmt, plot: plot, row: row,
    showErrors: showErrors, utc: utc };

  var pages = { network: networkPage, footprint: footprintPage, planning: planningPage,
    resilience: resiliencePage, chain: chainPage };
  var page = document.body.getAttribute("data-page");
  if (pages[page]) { pages[page](); }
})();
