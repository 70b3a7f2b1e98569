// Draw every chart on the page: an element with data-chart="ID" gets the Vega-Lite spec held in
// the inert JSON script element ID. The server decides what data the spec holds.
(function () {
  "use strict";
  var NARROW = 640; // pixels of chart width below which a chart is drawn in its phone (narrow) layout
  function draw(root) {
    if (typeof vegaEmbed === "undefined") return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      el.dataset.drawn = "1";
      var spec = JSON.parse(source.textContent);
      // A phone's layout: legends in one column (so their entries are never cut at the edge);
      // ticks and label wrapping follow the width inside the spec itself.
      if (el.clientWidth < NARROW) {
        spec.config = spec.config || {};
        spec.config.legend = Object.assign({}, spec.config.legend, { columns: 1 });
      }
      vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function (result) {
        var svg = el.querySelector("svg");
        if (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", spec.description || el.getAttribute("aria-label") || "Chart");
        }
        el.classList.add("gpqi-chart--drawn");
      }).catch(function (err) {
        el.textContent = "The chart could not be drawn; the table below holds the same figures.";
        console.error(err);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // Announce an in-place update (the indicator page's and worklist's forms) to screen readers:
  // what was updated and, where the page says it, how many rows it now shows.
  function announce(root) {
    var status = document.getElementById("gpqi-status");
    if (!status) return;
    var heading = root.querySelector("h2, caption");
    var summary = root.querySelector("p");
    var text = "Updated" + (heading ? ": " + heading.textContent.trim() : "");
    if (summary && /\d/.test(summary.textContent)) text += ". " + summary.textContent.trim();
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  document.addEventListener("htmx:afterSwap", function (ev) { draw(ev.target); });
  document.addEventListener("htmx:afterSettle", function (ev) { announce(ev.target); });
})();
