/* keten dashboard, construction page: run the demo or an uploaded project, draw the map and bars. */
(function () {
  "use strict";
  if (document.body.getAttribute("data-page") !== "construction") { return; }
  var k = window.ketenDashboard;
  var LABELS = { as_planned: "as planned", construction_hub: "construction hub",
    by_water: "by water", electric_machinery: "electric machinery" };
  var $ = k.$, el = k.el, fmt = k.fmt, plot = k.plot, showErrors = k.showErrors, request = k.api;

  function render(payload, isDemo) {
    $("construction-project").textContent = payload.project;
    var planned = payload.summary[0];
    var best = payload.summary.reduce(function (a, b) { return a.nitrogen_kg_n <= b.nitrogen_kg_n ? a : b; });
    var dl = $("construction-kpis");
    dl.textContent = "";
    [["NOx as planned (kg)", fmt(planned.nox_kg, 0)], ["NH3 as planned (kg)", fmt(planned.nh3_kg, 1)],
     ["CO2e as planned (t)", fmt(planned.co2e_wtw_kg / 1000, 0)],
     ["least nitrogen", LABELS[best.scenario] || best.scenario],
     ["peak year (AERIUS)", String(planned.peak_year)]].forEach(function (kv) {
      var div = el("div");
      div.appendChild(el("dt", {}, kv[0]));
      div.appendChild(el("dd", {}, kv[1]));
      dl.appendChild(div);
    });
    var body = $("construction-table").querySelector("tbody");
    body.textContent = "";
    payload.summary.forEach(function (s) {
      var tr = el("tr");
      tr.appendChild(el("th", { scope: "row" }, LABELS[s.scenario] || s.scenario));
      [fmt(s.nox_site_kg, 1), fmt(s.nox_routes_kg, 1), fmt(s.nh3_site_kg, 2), fmt(s.nh3_routes_kg, 2),
       fmt(s.nitrogen_kg_n, 1), fmt(s.co2e_wtw_kg / 1000, 1),
       s.cost_eur === null ? "–" : fmt(s.cost_eur / 1000, 0)].forEach(function (v) {
        tr.appendChild(el("td", { "class": "num" }, v));
      });
      var cell = el("td");
      if (isDemo) {
        cell.appendChild(el("a", { href: "/dashboard/api/construction/demo/imaer.gml?scenario=" + s.scenario,
          download: "" }, "GML"));
      } else { cell.textContent = "CLI: --imaer"; }
      tr.appendChild(cell);
      body.appendChild(tr);
    });
    $("construction-method").textContent = "Method: " + payload.method + ". Factor set " + payload.factor_set +
      ". Distance limit " + payload.limit_km + " km.";
    $("results").hidden = false;
    return Promise.all([plot("chart-map", payload.figures.map), plot("chart-nox", payload.figures.nox),
      plot("chart-nh3", payload.figures.nh3), plot("chart-co2e", payload.figures.co2e)]);
  }
  function run(promise, isDemo) {
    var status = $("construction-status");
    $("construction-button").disabled = true;
    status.textContent = "calculating…";
    showErrors(null);
    return promise.then(function (payload) { return render(payload, isDemo); })
      .then(function () { status.textContent = ""; $("results").setAttribute("data-ready", "1"); })
      .catch(function (error) { status.textContent = ""; $("results").hidden = true; showErrors(error); })
      .then(function () { $("construction-button").disabled = false; });
  }
  $("construction-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("project-file").files[0];
    if (!file) { run(request("/dashboard/api/construction/demo"), true); return; }
    var data = new FormData();
    data.append("project", file);
    run(request("/dashboard/api/construction", { method: "POST", body: data }), false);
  });
  run(request("/dashboard/api/construction/demo"), true);
})();
