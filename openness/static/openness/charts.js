/* Draws the openness charts with Apache ECharts from the JSON the page carries
   (json_script "openness-charts"); each chart's numbers are also in a table beside it.
   Labels come translated from the server; names typed by users are escaped before they
   reach a tooltip, the only place ECharts writes HTML. */
(function () {
  "use strict";
  var source = document.getElementById("openness-charts");
  if (!source || !window.echarts) return;
  var specs = JSON.parse(source.textContent);
  var locale = (document.documentElement.lang || "").indexOf("zh") === 0 ? "ZH" : "EN";
  var escape = echarts.format.encodeHTML;
  var COLORS = ["#0b6bcb", "#2e9d55", "#b35900", "#7b61c4", "#5b6b7d"];
  var drawn = [];

  function show(value, unit) {
    if (value === null || value === undefined) return "—";
    return value.toLocaleString(undefined, {maximumFractionDigits: 2}) + (unit || "");
  }

  function legendRoom(spec, el) {
    if (spec.series.length < 2) return 36;
    return el.clientWidth < 600 ? 104 : 56;
  }

  function bars(spec, el) {
    var horizontal = !!spec.horizontal;
    var axis = spec.axes[0] || {};
    var unit = axis.percent ? "%" : "";
    if (horizontal) el.style.height = Math.max(240, 30 * spec.categories.length + 70) + "px";
    var categories = {
      type: "category", data: spec.categories, inverse: horizontal,
      axisLabel: horizontal ? {width: 120, overflow: "truncate"}
        : {interval: 0, rotate: spec.categories.length > 6 ? 40 : 0, hideOverlap: true}
    };
    // The axis reaches past the reference line, so that the line is always in sight.
    var top = Math.max.apply(null, spec.series.map(function (s) {
      return Math.max.apply(null, s.data.map(function (v) { return v || 0; }));
    }).concat(spec.mark && spec.mark.value !== null ? [spec.mark.value * 1.15] : [0]));
    var values = {
      max: spec.mark ? Math.max(5, Math.ceil(top / 5) * 5) : null,
      type: "value", name: axis.name, minInterval: axis.integer ? 1 : 0,
      nameTextStyle: {align: horizontal ? "right" : "left"},
      axisLabel: {formatter: "{value}" + unit}
    };
    var series = spec.series.map(function (s, i) {
      var out = {name: s.name, type: s.kind, data: s.data, color: COLORS[i % COLORS.length]};
      if (s.kind === "line") {
        out.lineStyle = {type: s.dashed ? "dashed" : "solid", width: 2};
        // One month alone: a line has no length, so the reference is drawn as a dash.
        if (spec.categories.length > 1) out.symbol = "none";
        else { out.symbol = "rect"; out.symbolSize = [80, 3]; }
      }
      return out;
    });
    if (spec.mark && spec.mark.value !== null) {
      var at = horizontal ? {xAxis: spec.mark.value} : {yAxis: spec.mark.value};
      series[0].markLine = {
        symbol: "none", silent: true, lineStyle: {type: "dashed", color: "#b35900"}, data: [at],
        label: {formatter: spec.mark.name + " " + show(spec.mark.value, unit), position: horizontal ? "start" : "end"}
      };
    }
    return {
      color: COLORS,
      tooltip: {
        trigger: "axis", axisPointer: {type: "shadow"}, confine: true,
        formatter: function (items) {
          var lines = [escape(items[0].axisValueLabel)];
          items.forEach(function (item) {
            lines.push(item.marker + escape(item.seriesName) + ": " + escape(show(item.value, unit)));
          });
          return lines.join("<br>");
        }
      },
      // A legend that wraps rather than scrolls: every series stays named on a phone.
      legend: spec.series.length > 1 ? {top: 0} : {show: false},
      grid: {left: 8, right: horizontal ? 40 : 16, top: legendRoom(spec, el), bottom: 8, containLabel: true},
      xAxis: horizontal ? values : categories,
      yAxis: horizontal ? categories : values,
      series: series
    };
  }

  function treemap(spec, chart) {
    function color(rate) {
      if (rate === null) return "#c9ced6";
      if (rate < spec.low) return "#d9534f";
      return rate < spec.national ? "#f0ad4e" : "#2e9d55";
    }
    function nodes(list) {
      return list.map(function (n) {
        // A parent shows only a band with its name (painted in its border colour):
        // dark, so that its label reads; the leaves carry the colours.
        var parent = n.children.length > 0;
        return {
          name: n.name, value: n.value, rate: n.rate, measured: n.measured, url: n.url,
          itemStyle: parent ? {borderColor: "#3d4b5c", color: "#3d4b5c"} : {color: color(n.rate)},
          children: parent ? nodes(n.children) : undefined
        };
      });
    }
    var labels = spec.labels;
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url && url.indexOf("/openness/") === 0) window.location.assign(url);
    });
    return {
      tooltip: {
        confine: true,
        formatter: function (info) {
          var d = info.data;
          return escape(d.name) + "<br>" + escape(labels.instruments) + ": " + d.value + "<br>" +
            escape(labels.measured) + ": " + d.measured + "<br>" + escape(labels.rate) + ": " +
            (d.rate === null ? escape(labels.none) : escape(show(d.rate, "%")));
        }
      },
      series: [{
        type: "treemap", data: nodes(spec.data), roam: false, nodeClick: false,
        breadcrumb: {show: false}, left: 0, right: 0, top: 0, bottom: 0,
        label: {show: true, formatter: "{b}", overflow: "truncate", color: "#fff"},
        upperLabel: {
          show: true, height: 18, color: "#fff", overflow: "truncate",
          formatter: function (p) { return p.name + (p.data.rate === null ? "" : " · " + show(p.data.rate, "%")); }
        },
        itemStyle: {borderWidth: 2, gapWidth: 2}
      }]
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = specs[el.getAttribute("data-chart")];
    if (!spec) return;
    if ((spec.type === "treemap" && !spec.data.length) || (spec.type === "bars" && !spec.categories.length)) {
      el.classList.add("empty");  // nothing to draw: the table beside it says so
      return;
    }
    var chart = echarts.init(el, null, {locale: locale, renderer: "canvas"});
    chart.setOption(spec.type === "treemap" ? treemap(spec, chart) : bars(spec, el));
    chart.resize();
    drawn.push(chart);
  });
  // Charts follow the width of the page (a phone turned, a window resized).
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
}());
