// The report's charts: turns the report data (written by faaslab report, see report_data.cpp)
// into ECharts options. Runs in the browser (the interactive report) and in Node.js (the PNG
// and SVG figures), so it uses nothing but plain JavaScript.
//
// faaslabCharts(data) returns the static figures: [{id, section, title, option}]. The
// interactive page also calls the per-selection builders: perFrameOption, timelineOption,
// replicasOption.
"use strict";

var FAASLAB_PALETTE = ["#2f6fb2", "#d9622b", "#3a9b5b", "#8e5bb5", "#c23b4f", "#6b7a8f", "#b58a1b", "#2aa1a6"];

function fmtSeconds(s) {
  if (s === null || s === undefined || isNaN(s)) return "–";
  if (s < 1) return (s * 1000).toFixed(s < 0.01 ? 2 : 1) + " ms";
  return s.toFixed(s < 10 ? 3 : 1) + " s";
}

// Text for HTML. ECharts shows a tooltip formatter's string as HTML (its default tooltips escape
// names and values themselves), so every text from the data that a formatter returns goes
// through this; labelTooltip is the one formatter the charts use.
function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
  });
}

// The tooltip of a scatter whose points are [x, y, label]: the point's label, escaped.
function labelTooltip() {
  return {trigger: "item", formatter: function (p) {
    var label = p.data && p.data[2];
    return label === undefined || label === null ? "" : escapeHtml(label);
  }};
}

function baseOption(title, yName, xName) {
  return {
    animation: false,
    color: FAASLAB_PALETTE,
    title: {text: title, left: 10, top: 6, textStyle: {fontSize: 14, fontWeight: 600}},
    tooltip: {trigger: "axis"},
    legend: {top: 30, left: 10, right: 10, type: "scroll"},
    grid: {left: 70, right: 30, top: 70, bottom: 55},
    xAxis: {type: "value", name: xName, nameLocation: "middle", nameGap: 30},
    yAxis: {type: "value", name: yName, nameLocation: "middle", nameGap: 50},
    series: []
  };
}

// Configurations grouped for the "over users" figures: mode (and replicas, routing, codec when
// they vary) -> think time -> [configs ordered by users]. Open-model configurations are left out.
function closedGroups(data) {
  var groups = {};
  data.configs.forEach(function (c) {
    if (c.users === null || c.users === undefined) return;
    var g = c.group;
    var t = fmtSeconds(c.think_s);
    groups[g] = groups[g] || {};
    groups[g][t] = groups[g][t] || [];
    groups[g][t].push(c);
  });
  Object.keys(groups).forEach(function (g) {
    Object.keys(groups[g]).forEach(function (t) {
      groups[g][t].sort(function (a, b) { return a.users - b.users; });
    });
  });
  return groups;
}

function overUsers(data, id, section, title, yName, value, extra) {
  var out = [];
  var groups = closedGroups(data);
  Object.keys(groups).sort().forEach(function (g, gi) {
    var opt = baseOption(title + " — " + g, yName, "users");
    opt.xAxis.minInterval = 1;
    Object.keys(groups[g]).forEach(function (think) {
      var cs = groups[g][think];
      opt.series.push({name: "think " + think, type: "line", symbolSize: 7,
                       data: cs.map(function (c) { return [c.users, value(c)]; })});
      if (extra) extra(opt, cs, think);
    });
    out.push({id: id + "-" + gi, section: section, title: title + " — " + g, option: opt});
  });
  return out;
}

// The saturation knee N* = (D + Z) / Dmax (asymptotic bounds): D the response time of one
// user alone, Dmax = 1 / the highest throughput measured.
function knee(cs) {
  var one = cs.filter(function (c) { return c.users === 1; })[0];
  var xmax = Math.max.apply(null, cs.map(function (c) { return c.summary.throughput_rps; }));
  if (!one || !(xmax > 0)) return null;
  return (one.summary.mean_s + one.think_s) * xmax;
}

function faaslabCharts(data) {
  var charts = [];
  // The study's figures.
  charts = charts.concat(overUsers(data, "success", "study", "Success rate", "success (%)", function (c) {
    return +(c.summary.success_rate * 100).toFixed(2);
  }, function (opt) { opt.yAxis.max = 100; opt.yAxis.min = 0; }));
  charts = charts.concat(overUsers(data, "mean", "study", "Mean response time", "seconds", function (c) {
    return c.summary.mean_s;
  }));
  charts = charts.concat(overUsers(data, "median", "study", "Median response time", "seconds", function (c) {
    return c.summary.p50_s;
  }));
  // Throughput over users, with the knee of each think time.
  charts = charts.concat(overUsers(data, "throughput", "more", "Throughput and the saturation knee", "requests / s",
    function (c) { return c.summary.throughput_rps; },
    function (opt, cs, think) {
      var n = knee(cs);
      var s = opt.series[opt.series.length - 1];
      if (n !== null && isFinite(n)) {
        s.markLine = {symbol: "none", label: {formatter: "N* " + n.toFixed(1)}, lineStyle: {type: "dashed"},
                      data: [{xAxis: +n.toFixed(2)}]};
      }
    }));
  // Percentiles per configuration.
  var pct = baseOption("Response-time percentiles", "seconds", "");
  pct.xAxis = {type: "category", data: data.configs.map(function (c) { return c.short; }),
               axisLabel: {rotate: 35, fontSize: 10, interval: 0}};
  pct.grid.bottom = 120;
  pct.tooltip = {trigger: "axis", axisPointer: {type: "shadow"}};
  ["p50_s", "p90_s", "p95_s", "p99_s"].forEach(function (k) {
    pct.series.push({name: k.replace("_s", ""), type: "bar",
                     data: data.configs.map(function (c) { return c.summary[k]; })});
  });
  charts.push({id: "percentiles", section: "more", title: "Response-time percentiles", option: pct});
  // Cold starts: replica start -> ready, per run.
  var cold = baseOption("Replica start to ready", "seconds", "");
  var withStarts = data.runs.filter(function (r) { return r.ready_seconds.length > 0; });
  cold.xAxis = {type: "category", data: withStarts.map(function (r) { return r.short; }),
                axisLabel: {rotate: 35, fontSize: 10, interval: 0}};
  cold.grid.bottom = 120;
  cold.tooltip = {trigger: "item"};
  cold.series.push({name: "replica ready", type: "scatter", symbolSize: 8,
                    data: [].concat.apply([], withStarts.map(function (r, i) {
                      return r.ready_seconds.map(function (s) { return [i, s]; });
                    }))});
  cold.series.push({name: "cold start (a request waited)", type: "scatter", symbol: "diamond", symbolSize: 11,
                    data: [].concat.apply([], withStarts.map(function (r, i) {
                      return r.cold_start_seconds.map(function (s) { return [i, s]; });
                    }))});
  charts.push({id: "coldstarts", section: "more", title: "Replica start to ready", option: cold});
  // Model vs measurement, when a validation was given.
  var shortOf = {};
  data.configs.forEach(function (c) { shortOf[c.key] = c.short; });
  function shortName(row) { return row.label || shortOf[row.config_key] || row.config_key; }
  if (data.validation && data.validation.length) {
    var v = baseOption("Predicted vs measured mean response time", "predicted (s)", "measured (s)");
    v.tooltip = labelTooltip();
    var top = 0;
    var predicted = data.validation.filter(function (row) { return row.predicted && row.measured; });
    v.series.push({name: "configurations", type: "scatter", symbolSize: 9,
                   data: predicted.map(function (row) {
                     top = Math.max(top, row.measured.mean_s, row.predicted.mean_s);
                     return [row.measured.mean_s, row.predicted.mean_s, shortName(row)];
                   })});
    v.series.push({name: "y = x", type: "line", symbol: "none", lineStyle: {type: "dashed", color: "#999"},
                   data: [[0, 0], [top * 1.05, top * 1.05]]});
    charts.push({id: "model-mean", section: "model", title: "Predicted vs measured mean", option: v});
    var t = baseOption("Predicted vs measured throughput", "predicted (req/s)", "measured (req/s)");
    t.tooltip = labelTooltip();
    var topx = 0;
    t.series.push({name: "configurations", type: "scatter", symbolSize: 9,
                   data: predicted.map(function (row) {
                     topx = Math.max(topx, row.measured.throughput_rps, row.predicted.throughput_rps);
                     return [row.measured.throughput_rps, row.predicted.throughput_rps, shortName(row)];
                   })});
    t.series.push({name: "y = x", type: "line", symbol: "none", lineStyle: {type: "dashed", color: "#999"},
                   data: [[0, 0], [topx * 1.05, topx * 1.05]]});
    charts.push({id: "model-throughput", section: "model", title: "Predicted vs measured throughput", option: t});
  }
  charts = charts.concat(edgeCloudCharts(data));
  return charts;
}

// Edge–cloud campaigns: per topology, response time and success over users for each placement
// (measured solid, predicted dashed), the offload share and the uplink's use; per node, the
// mean response time and throughput of each configuration.
function edgeCloudCharts(data) {
  var out = [];
  var ec = data.configs.filter(function (c) { return c.topology && c.users !== null && c.users !== undefined; });
  if (!ec.length) return out;
  var predicted = {};
  var rows = (data.edge_cloud_validation && data.edge_cloud_validation.rows) || [];
  rows.forEach(function (r) { if (!r.error) predicted[r.config_key] = r; });
  var byTopology = {};
  ec.forEach(function (c) {
    var name = c.placement + (c.offload_threshold > 0 ? " " + c.offload_threshold : "");
    byTopology[c.topology] = byTopology[c.topology] || {};
    byTopology[c.topology][name] = byTopology[c.topology][name] || [];
    byTopology[c.topology][name].push(c);
  });
  Object.keys(byTopology).sort().forEach(function (topology, ti) {
    var policies = byTopology[topology];
    var mean = baseOption("Where to run it: mean response time — " + topology, "seconds", "users");
    var success = baseOption("Success rate — " + topology, "success (%)", "users");
    var share = baseOption("Offloaded to the cloud — " + topology, "share of requests", "users");
    var uplink = baseOption("Use of the link to the cloud — " + topology, "share of its bandwidth", "users");
    [mean, success, share, uplink].forEach(function (o) { o.xAxis.minInterval = 1; });
    success.yAxis.min = 0; success.yAxis.max = 100;
    share.yAxis.min = 0; share.yAxis.max = 1;
    uplink.yAxis.min = 0;
    Object.keys(policies).sort().forEach(function (name, pi) {
      var cs = policies[name].slice().sort(function (a, b) { return a.users - b.users; });
      var color = FAASLAB_PALETTE[pi % FAASLAB_PALETTE.length];
      mean.series.push({name: name, type: "line", symbolSize: 7, itemStyle: {color: color},
                        data: cs.map(function (c) { return [c.users, c.summary.mean_s]; })});
      var pred = cs.filter(function (c) { return predicted[c.key]; });
      if (pred.length) {
        mean.series.push({name: name + " (model)", type: "line", symbol: "none", itemStyle: {color: color},
                          lineStyle: {type: "dashed", color: color},
                          data: pred.map(function (c) { return [c.users, predicted[c.key].predicted_mean_s]; })});
      }
      success.series.push({name: name, type: "line", symbolSize: 7, itemStyle: {color: color},
                           data: cs.map(function (c) { return [c.users, +(c.summary.success_rate * 100).toFixed(2)]; })});
      share.series.push({name: name, type: "line", symbolSize: 7, itemStyle: {color: color},
                         data: cs.map(function (c) { return [c.users, c.nodes ? c.nodes.offload_share : null]; })});
      if (pred.length) {
        share.series.push({name: name + " (model)", type: "line", symbol: "none", lineStyle: {type: "dashed", color: color},
                           itemStyle: {color: color},
                           data: pred.map(function (c) { return [c.users, predicted[c.key].predicted_offload]; })});
      }
      uplink.series.push({name: name, type: "line", symbolSize: 7, itemStyle: {color: color},
                          data: cs.map(function (c) { return [c.users, c.nodes ? c.nodes.uplink_utilization : null]; })});
    });
    out.push({id: "ec-mean-" + ti, section: "edge-cloud", title: mean.title.text, option: mean});
    out.push({id: "ec-success-" + ti, section: "edge-cloud", title: success.title.text, option: success});
    out.push({id: "ec-offload-" + ti, section: "edge-cloud", title: share.title.text, option: share});
    out.push({id: "ec-uplink-" + ti, section: "edge-cloud", title: uplink.title.text, option: uplink});
  });
  // Per node, per configuration.
  var nodeNames = {};
  ec.forEach(function (c) { Object.keys((c.nodes && c.nodes.by_node) || {}).forEach(function (n) { nodeNames[n] = true; }); });
  [["mean_s", "Mean response time per node", "seconds"], ["throughput_rps", "Throughput per node", "requests / s"],
   ["utilization", "CPU utilisation per node (of its budget, measured)", "share of its cores"]]
    .forEach(function (what, wi) {
      var o = baseOption(what[1], what[2], "");
      o.xAxis = {type: "category", data: ec.map(function (c) { return c.short; }),
                 axisLabel: {rotate: 35, fontSize: 10, interval: 0}};
      o.grid.bottom = 140;
      o.tooltip = {trigger: "axis", axisPointer: {type: "shadow"}};
      Object.keys(nodeNames).sort().forEach(function (n) {
        o.series.push({name: n, type: "bar", data: ec.map(function (c) {
          var by = c.nodes && c.nodes.by_node && c.nodes.by_node[n];
          return by ? by[what[0]] : null;
        })});
      });
      out.push({id: "ec-node-" + wi, section: "edge-cloud", title: what[1], option: o});
    });
  return out;
}

// The study's per-frame figure for one run: one line per user; metric is "latency", "handler"
// or "ml"; cold requests (the gateway held them for a replica to start) are marked.
function perFrameOption(run, metric) {
  var names = {latency: "Round trip", handler: "Handler time", ml: "ML time"};
  var index = {latency: 1, handler: 2, ml: 3};
  var opt = baseOption(names[metric] + " per frame — " + run.label, "seconds", "frame");
  opt.xAxis.minInterval = 1;
  run.per_frame.forEach(function (u) {
    opt.series.push({name: "user " + (u.user + 1), type: "line", symbolSize: 5, connectNulls: false,
                     data: u.points.map(function (p) { return [p[0], p[index[metric]]]; })});
  });
  var cold = [];
  run.per_frame.forEach(function (u) {
    u.points.forEach(function (p) { if (p[4]) cold.push([p[0], p[index[metric]]]); });
  });
  if (cold.length) {
    opt.series.push({name: "cold start", type: "scatter", symbol: "diamond", symbolSize: 12, data: cold,
                     itemStyle: {color: "#c23b4f"}});
  }
  return opt;
}

// JMeter-dashboard-style views of one run over time (per second from its start).
function timelineOption(run, what) {
  var tl = run.timeline;
  var titles = {latency: "Response time over time", throughput: "Throughput over time",
                active: "Active users over time", codes: "Responses by status over time",
                offload: "Offloaded to the cloud over time"};
  var opt = baseOption(titles[what] + " — " + run.label,
                       {latency: "seconds", throughput: "requests / s", active: "users", codes: "responses / s",
                        offload: "share of requests"}[what],
                       "seconds since the run's start (" + tl.bucket_s + " s buckets)");
  var few = tl.t.length < 30;  // short runs: show the points themselves
  if (what === "latency") {
    opt.series.push({name: "mean", type: "line", showSymbol: few, data: tl.t.map(function (t, i) { return [t, tl.mean_s[i]]; })});
    opt.series.push({name: "p90", type: "line", showSymbol: few, data: tl.t.map(function (t, i) { return [t, tl.p90_s[i]]; })});
  } else if (what === "throughput") {
    opt.series.push({name: "completed", type: "line", step: "end", showSymbol: false,
                     data: tl.t.map(function (t, i) { return [t, tl.completed[i]]; })});
  } else if (what === "offload") {
    opt.yAxis.min = 0;
    opt.yAxis.max = 1;
    opt.series.push({name: "in the cloud", type: "line", step: "end", showSymbol: few, connectNulls: false,
                     data: tl.t.map(function (t, i) { return [t, tl.offload ? tl.offload[i] : null]; })});
  } else if (what === "active") {
    opt.series.push({name: "active", type: "line", step: "end", showSymbol: false,
                     data: tl.t.map(function (t, i) { return [t, tl.active[i]]; })});
  } else {
    Object.keys(tl.codes).sort().forEach(function (code) {
      opt.series.push({name: code, type: "bar", stack: "codes",
                       data: tl.t.map(function (t, i) { return [t, tl.codes[code][i]]; })});
    });
  }
  return opt;
}

// Replicas over time for one run, from the runtime's events.
function replicasOption(run) {
  var opt = baseOption("Ready replicas over time — " + run.label, "replicas", "seconds since the run's start");
  opt.series.push({name: "ready replicas", type: "line", step: "end", showSymbol: true,
                   data: run.replicas.map(function (p) { return [p[0], p[1]]; })});
  return opt;
}

if (typeof module !== "undefined") {
  module.exports = {faaslabCharts: faaslabCharts, perFrameOption: perFrameOption, timelineOption: timelineOption,
                    replicasOption: replicasOption, escapeHtml: escapeHtml};
}
