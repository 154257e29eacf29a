// CIPette dashboard behaviour: filters that apply on change, sortable tables, and the trend
// charts (uPlot, fed by /api/v1/trends). The page is complete without this script: the server
// renders every number; this only adds convenience and the charts.
(function () {
  "use strict";

  // ---- Filters --------------------------------------------------------------------------------

  function setupFilters() {
    var form = document.getElementById("filters");
    if (!form) return;
    var period = document.getElementById("filter-period");
    var from = document.getElementById("filter-from");
    var to = document.getElementById("filter-to");

    function syncRange() {
      var custom = period.value === "custom";
      from.disabled = !custom;
      to.disabled = !custom;
      form.classList.toggle("custom-range", custom);
    }

    function submit() {
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }

    // A select applies its choice when made with the mouse; arrow keys on a closed select
    // change its value (and fire "change") at every press, so a keyboard choice applies on
    // Enter or when the focus leaves the select.
    function applyOnChoice(select, apply) {
      var applied = select.value;
      var keyboard = false;
      function applyIfChanged() {
        keyboard = false;
        if (select.value === applied) return;
        applied = select.value;
        apply();
      }
      select.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          applyIfChanged();
        } else if (event.key !== "Tab") {
          keyboard = true;
        }
      });
      select.addEventListener("pointerdown", function () { keyboard = false; });
      select.addEventListener("change", function () {
        if (!keyboard) applyIfChanged();
      });
      select.addEventListener("blur", applyIfChanged);
    }

    period.addEventListener("change", syncRange);
    applyOnChoice(period, function () {
      syncRange();
      if (period.value === "custom") {
        if (!from.value) {
          from.focus();
          return;
        }
      }
      submit();
    });
    [from, to].forEach(function (input) {
      input.addEventListener("change", function () {
        if (period.value === "custom" && from.value) submit();
      });
    });
    ["filter-repository", "filter-event"].forEach(function (id) {
      var element = document.getElementById(id);
      if (element) applyOnChoice(element, submit);
    });
    var branch = document.getElementById("filter-branch");
    if (branch) branch.addEventListener("change", submit);
    syncRange();
  }

  // ---- Sortable tables ------------------------------------------------------------------------

  function cellKey(row, column, numeric) {
    var cell = row.cells[column];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
    if (!numeric) return raw.trim().toLowerCase();
    if (raw === "") return null;
    var number = parseFloat(raw);
    return isNaN(number) ? null : number;
  }

  function compareKeys(a, b, direction) {
    // Missing values (N/A) sort last whichever the direction.
    if (a === null && b === null) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    if (a < b) return -direction;
    if (a > b) return direction;
    return 0;
  }

  function sortTable(table, header, column) {
    var numeric = header.querySelector("button").getAttribute("data-type") === "num";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var direction = ascending ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, index) {
      return { row: row, key: cellKey(row, column, numeric), index: index };
    });
    keyed.sort(function (a, b) {
      return compareKeys(a.key, b.key, direction) || a.index - b.index;
    });
    keyed.forEach(function (item) {
      body.appendChild(item.row);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function setupSorting() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
        var button = header.querySelector("button");
        if (!button) return;
        button.addEventListener("click", function () {
          sortTable(table, header, column);
        });
      });
    });
  }

  // ---- Charts ---------------------------------------------------------------------------------

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    var s = Math.round(seconds);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    if (h > 0) return h + "h " + m + "m";
    if (m > 0) return m + "m " + rest + "s";
    return rest + "s";
  }

  // Axis labels: one or two units, short ("45s", "5m", "1h 30m").
  function formatAxisDuration(seconds) {
    var s = Math.round(seconds);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m" + (s % 60 ? " " + (s % 60) + "s" : "");
    var m = Math.floor((s % 3600) / 60);
    return Math.floor(s / 3600) + "h" + (m ? " " + m + "m" : "");
  }

  // Tick steps for a duration axis, in seconds: round minutes and hours.
  var DURATION_STEPS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
    21600, 43200, 86400];

  function formatDay(epochSeconds) {
    return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
  }

  // Day axes: the buckets are UTC days, so ticks fall on whole UTC days and read as the table
  // does (YYYY-MM-DD).
  var DAY = 86400;
  var DAY_STEPS = [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 182 * DAY, 364 * DAY];
  // Run counts: whole numbers only.
  var COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000,
    20000, 25000, 50000, 100000];

  // Records an axis's ticks on its chart element as drawn on the canvas (data-x-ticks: the
  // values, data-x-labels: their labels; y likewise), for tests and anyone inspecting the page.
  function labelled(element, name, format) {
    return function (u, ticks) {
      var labels = ticks.map(format);
      element.setAttribute("data-" + name + "-ticks", ticks.join(","));
      element.setAttribute("data-" + name + "-labels", labels.join(","));
      return labels;
    };
  }

  // `formatTick`: the y axis's label of a tick value.
  function baseOptions(element, series, formatTick) {
    var axisStroke = cssVar("--muted");
    var grid = { stroke: cssVar("--grid"), width: 1 };
    return {
      width: Math.max(element.clientWidth, 200),
      height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      series: [{ label: "Day", value: function (u, v) { return v === null ? "–" : formatDay(v); } }]
        .concat(series),
      scales: { x: { time: true } },
      axes: [
        { stroke: axisStroke, grid: grid, ticks: grid, incrs: DAY_STEPS,
          values: labelled(element, "x", formatDay) },
        { stroke: axisStroke, grid: grid, ticks: grid, size: 56,
          values: labelled(element, "y", formatTick || String) },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
  }

  // Stacked bars: each series is drawn as the cumulative sum, widest first, so that the bars
  // stack; the legend shows each outcome's own count.
  function runsChart(element, days, x) {
    var raw = {
      success: days.map(function (d) { return d.success; }),
      failed: days.map(function (d) { return d.failed; }),
      neutral: days.map(function (d) { return d.neutral; }),
    };
    var stackTotal = days.map(function (d) { return d.success + d.failed + d.neutral; });
    var stackFailed = days.map(function (d) { return d.success + d.failed; });
    var bars = uPlot.paths.bars({ size: [0.7, 24], gap: 1 });
    function bar(label, color, values) {
      return {
        label: label, stroke: color, fill: color, paths: bars, points: { show: false },
        value: function (u, v, si, i) { return i === null || i === undefined ? "–" : values[i]; },
      };
    }
    var options = baseOptions(element, [
      bar("Neutral", cssVar("--chart-neutral"), raw.neutral),
      bar("Failed", cssVar("--chart-failed"), raw.failed),
      bar("Success", cssVar("--chart-success"), raw.success),
    ]);
    options.axes[1].incrs = COUNT_STEPS;
    options.scales.y = { range: function (u, min, max) { return [0, Math.max(1, max)]; } };
    return new uPlot(options, [x, stackTotal, stackFailed, raw.success], element);
  }

  function rateChart(element, days, x) {
    var color = cssVar("--chart-rate");
    var options = baseOptions(element, [{
      label: "Success rate", stroke: color, width: 2, spanGaps: false,
      value: function (u, v) { return v === null || v === undefined ? "N/A" : v.toFixed(2) + "%"; },
    }], function (t) { return t + "%"; });
    options.scales.y = { range: [0, 100] };
    var rates = days.map(function (d) { return d.success_rate; });
    return new uPlot(options, [x, rates], element);
  }

  function durationChart(element, days, x) {
    function line(label, color) {
      return {
        label: label, stroke: color, width: 2, spanGaps: false,
        value: function (u, v) { return formatDuration(v); },
      };
    }
    var options = baseOptions(element, [
      line("p50", cssVar("--chart-p50")),
      line("p95", cssVar("--chart-p95")),
    ], formatAxisDuration);
    options.axes[1].incrs = DURATION_STEPS;
    options.axes[1].size = 64;
    options.scales.y = { range: function (u, min, max) { return [0, Math.max(60, max * 1.05)]; } };
    var p50 = days.map(function (d) { return d.duration_p50_seconds; });
    var p95 = days.map(function (d) { return d.duration_p95_seconds; });
    return new uPlot(options, [x, p50, p95], element);
  }

  function showMessage(container, text) {
    container.querySelectorAll(".chart").forEach(function (element) {
      element.textContent = "";
      var message = document.createElement("div");
      message.className = "chart-message";
      message.textContent = text;
      element.appendChild(message);
    });
  }

  function drawCharts(container, document_) {
    var days = document_.days || [];
    if (days.length === 0) {
      showMessage(container, "No runs in this period.");
      return;
    }
    var x = days.map(function (d) { return Date.parse(d.date + "T00:00:00Z") / 1000; });
    var builders = { runs: runsChart, rate: rateChart, duration: durationChart };
    var charts = [];
    container.querySelectorAll(".chart").forEach(function (element) {
      var build = builders[element.getAttribute("data-kind")];
      if (!build) return;
      element.textContent = "";
      charts.push({ element: element, chart: build(element, days, x) });
    });
    container.setAttribute("data-ready", "true");
    if (typeof ResizeObserver === "function") {
      var observer = new ResizeObserver(function () {
        charts.forEach(function (item) {
          item.chart.setSize({ width: Math.max(item.element.clientWidth, 200), height: 220 });
        });
      });
      charts.forEach(function (item) { observer.observe(item.element); });
    }
  }

  function setupCharts() {
    var container = document.getElementById("charts");
    if (!container) return;
    if (typeof uPlot !== "function") {
      showMessage(container, "Charts are unavailable (the chart library did not load).");
      return;
    }
    fetch(container.getAttribute("data-trends"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (trends) {
        drawCharts(container, trends);
      })
      .catch(function (error) {
        showMessage(container, "Could not load the trends (" + error.message + ").");
        container.setAttribute("data-ready", "error");
      });
  }

  // The runners view's daily queue-time chart: its points are in the page (data-points, set by
  // the server: [[day start, jobs, p50, p95], ...]), so it needs no request of its own.
  function setupQueueChart() {
    var element = document.getElementById("chart-queue");
    if (!element) return;
    var container = document.getElementById("queue-charts");
    if (typeof uPlot !== "function") {
      showMessage(container, "Charts are unavailable (the chart library did not load).");
      return;
    }
    var points = JSON.parse(element.getAttribute("data-points") || "[]");
    if (!points.some(function (p) { return p[2] !== null; })) {
      showMessage(container, "No queue times in this period.");
      container.setAttribute("data-ready", "true");
      return;
    }
    var days = points.map(function (p) {
      return { duration_p50_seconds: p[2], duration_p95_seconds: p[3] };
    });
    var x = points.map(function (p) { return p[0]; });
    element.textContent = "";
    var chart = durationChart(element, days, x);
    container.setAttribute("data-ready", "true");
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(function () {
        chart.setSize({ width: Math.max(element.clientWidth, 200), height: 220 });
      }).observe(element);
    }
  }

  // A link to a closed <details> (the workflow page's job groups) opens it.
  function setupDetailsLinks() {
    function openTarget() {
      var id = decodeURIComponent(location.hash.slice(1));
      var target = id ? document.getElementById(id) : null;
      if (target && target.tagName === "DETAILS") target.open = true;
    }
    window.addEventListener("hashchange", openTarget);
    openTarget();
  }

  function start() {
    setupFilters();
    setupSorting();
    setupCharts();
    setupQueueChart();
    setupDetailsLinks();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
