// Renders the report's figures to SVG with ECharts' server-side renderer.
//   node render_figures.mjs <echarts dir> <report.js> <figures.json> <out dir>
// figures.json: [{"name": "...", "kind": "chart"|"frames"|"timeline", ...}] built by faaslab report.
import fs from "node:fs";
import path from "node:path";
import {createRequire} from "node:module";

const [echartsDir, reportJs, figuresJson, outDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const echarts = require(path.resolve(echartsDir));
const charts = require(path.resolve(reportJs));
const spec = JSON.parse(fs.readFileSync(figuresJson, "utf8"));
const data = spec.data;
const figures = [];
for (const c of charts.faaslabCharts(data)) figures.push({name: c.id, option: c.option});
data.runs.forEach((run, i) => {
  if (spec.per_run === false) return;
  figures.push({name: `frames-run${run.id}`, option: charts.perFrameOption(run, "latency")});
  figures.push({name: `time-run${run.id}`, option: charts.timelineOption(run, "latency")});
});
for (const f of figures) {
  const chart = echarts.init(null, null, {renderer: "svg", ssr: true, width: 1000, height: 520});
  const option = Object.assign({}, f.option, {backgroundColor: "#ffffff", animation: false});
  chart.setOption(option);
  fs.writeFileSync(path.join(outDir, f.name + ".svg"), chart.renderToSVGString());
  chart.dispose();
}
console.log(figures.map((f) => f.name).join("\n"));
