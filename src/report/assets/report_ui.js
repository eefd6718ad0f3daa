// The interactive report: mounts the figures built by report.js, the selectors for per-run
// views, and records a self-check (charts drawn, errors seen) that tests read.
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); });
  var consoleError = console.error;
  console.error = function () {
    errors.push(Array.prototype.slice.call(arguments).join(" "));
    consoleError.apply(console, arguments);
  };

  var data = JSON.parse(document.getElementById("faaslab-data").textContent);
  var mounted = [];

  function mount(container, id, option) {
    var div = document.createElement("div");
    div.className = "chart";
    div.id = "chart-" + id;
    container.appendChild(div);
    var chart = echarts.init(div, null, {renderer: "canvas"});
    chart.setOption(option);
    mounted.push({id: id, chart: chart, div: div});
    return chart;
  }

  faaslabCharts(data).forEach(function (c) {
    var container = document.getElementById("charts-" + c.section);
    if (container) mount(container, c.id, c.option);
  });

  function fillSelect(select, items) {
    items.forEach(function (item, i) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = item;
      select.appendChild(o);
    });
  }

  // The study's per-frame figure, for a chosen run and metric.
  var frameRun = document.getElementById("frame-run");
  var frameMetric = document.getElementById("frame-metric");
  fillSelect(frameRun, data.runs.map(function (r) { return r.label; }));
  var frameChart = mount(document.getElementById("charts-frames"), "per-frame", perFrameOption(data.runs[0], "latency"));
  function updateFrames() {
    frameChart.setOption(perFrameOption(data.runs[+frameRun.value], frameMetric.value), true);
  }
  frameRun.addEventListener("change", updateFrames);
  frameMetric.addEventListener("change", updateFrames);

  // Over time, for a chosen run.
  var timeRun = document.getElementById("time-run");
  fillSelect(timeRun, data.runs.map(function (r) { return r.label; }));
  var timeContainer = document.getElementById("charts-time");
  var views = ["latency", "throughput", "active", "codes"];
  // Edge–cloud runs: the share of each second's requests offloaded to the cloud.
  if (data.runs.some(function (r) { return r.timeline && r.timeline.offload; })) views.push("offload");
  var timeCharts = views.map(function (v) { return mount(timeContainer, "time-" + v, timelineOption(data.runs[0], v)); });
  var replicaChart = mount(timeContainer, "time-replicas", replicasOption(data.runs[0]));
  timeRun.addEventListener("change", function () {
    var run = data.runs[+timeRun.value];
    views.forEach(function (v, i) { timeCharts[i].setOption(timelineOption(run, v), true); });
    replicaChart.setOption(replicasOption(run), true);
  });

  window.addEventListener("resize", function () { mounted.forEach(function (m) { m.chart.resize(); }); });

  // Data points a chart shows: axes and legends alone draw pixels, so they are not enough.
  function pointsOf(chart) {
    var n = 0;
    (chart.getOption().series || []).forEach(function (s) {
      (s.data || []).forEach(function (d) {
        var v = d && d.value !== undefined ? d.value : d;
        if (Array.isArray(v) ? v.some(function (x) { return typeof x === "number" && isFinite(x); })
                             : typeof v === "number" && isFinite(v)) n++;
      });
    });
    return n;
  }

  // Self-check: every chart has data and drawn pixels. Written into #self-check for headless tests.
  setTimeout(function () {
    var empty = [];
    mounted.forEach(function (m) {
      if (pointsOf(m.chart) === 0) { empty.push(m.id); return; }
      var canvas = m.div.querySelector("canvas");
      var drawn = 0;
      if (canvas) {
        var pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        for (var i = 3; i < pixels.length; i += 4 * 13) if (pixels[i] !== 0) { drawn++; if (drawn > 50) break; }
      }
      if (drawn <= 50) empty.push(m.id);
    });
    var check = document.getElementById("self-check");
    check.textContent = JSON.stringify({charts: mounted.length, empty: empty, errors: errors});
    check.setAttribute("data-done", "1");
  }, 400);
})();
