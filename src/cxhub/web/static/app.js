// Progressive enhancement: pages work without JavaScript; with it, charts draw and forms confirm.
(function () {
  "use strict";
  function drawCharts(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll("script.chart-data").forEach(function (node) {
      var target = document.getElementById(node.dataset.target);
      if (!target || target.dataset.drawn) { return; }
      var spec = JSON.parse(node.textContent);
      target.dataset.drawn = "1";
      window.Plotly.newPlot(target, spec.data, spec.layout, { responsive: true, displaylogo: false, locale: document.documentElement.lang });
    });
  }
  // SLA countdowns: the server wrote "in 5 hours"; keep it true while the page stays open.
  function tickCountdowns() {
    if (!window.Intl || !Intl.RelativeTimeFormat) { return; }
    var format = new Intl.RelativeTimeFormat(document.documentElement.lang, { numeric: "auto" });
    document.querySelectorAll("time[data-due]").forEach(function (node) {
      var minutes = Math.round((Date.parse(node.dataset.due) - Date.now()) / 60000);
      var unit = "minute", value = minutes;
      if (Math.abs(minutes) >= 2880) { unit = "day"; value = Math.round(minutes / 1440); }
      else if (Math.abs(minutes) >= 90) { unit = "hour"; value = Math.round(minutes / 60); }
      node.textContent = format.format(value, unit);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); setInterval(tickCountdowns, 30000); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
