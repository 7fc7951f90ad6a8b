/* Patron's shared page code (report and dashboard): labels in English and Chinese, HTML
 * escaping of every piece of user text, and the report's charts drawn with ECharts from the
 * figures of patron_report_data (docs/REPORT.md). No network access, no framework. */
"use strict";
var Patron = (function () {
  var TEXT = {
    en: {
      title: "Patron report", as_of: "As of", previous: "compared with",
      customers: "Customers", purchasers: "Purchasers", revenue: "Revenue", orders: "Orders",
      avg_order_value: "Average order value", repeat_rate: "Repeat rate",
      top20_revenue_share: "Top 20% revenue share", silent_share: "Silent share (>180 days)",
      gini: "Gini", segment: "Segment", share: "Share", customer_share: "Share of customers",
      revenue_share: "Share of revenue", avg_monetary: "Average monetary",
      segmentation: "Segmentation", rf_heatmap: "Mean monetary by recency score x frequency score",
      r_score: "R score", f_score: "F score", lorenz: "Revenue concentration (Lorenz curve)",
      equality: "Equality", share_customers: "Share of purchasers (ascending monetary)",
      clusters: "Clusters", recency: "Recency (days)", frequency: "Frequency", monetary: "Monetary",
      palive: "P(alive) by recency x frequency", exp_purchases: "Expected purchases (90 days) by recency x frequency",
      recency_band: "Recency (days)", frequency_band: "Orders",
      churn_bands: "Churn-risk bands", low: "low", medium: "medium", high: "high", very_high: "very high",
      movements: "Movements between snapshots", cohorts: "Cohort retention by first purchase month",
      cohort: "Cohort", month_offset: "Months since first purchase", size: "Size",
      no_charts: "Charts are not available: this build has no ECharts (run scripts/install-deps.sh, then rebuild). The tables below hold the same figures.",
      no_data: "No data for this chart.",
      source_p_alive: "from 1 - P(alive)", source_churn_risk: "from the churn model"
    },
    zh: {
      title: "Patron 客户价值报告", as_of: "截至", previous: "对比",
      customers: "客户数", purchasers: "购买客户", revenue: "销售额", orders: "订单数",
      avg_order_value: "客单价", repeat_rate: "复购率",
      top20_revenue_share: "前20%客户销售额占比", silent_share: "沉默客户占比（>180天）",
      gini: "基尼系数", segment: "分群", share: "占比", customer_share: "客户占比",
      revenue_share: "销售额占比", avg_monetary: "平均消费金额",
      segmentation: "分群方式", rf_heatmap: "R 分 x F 分 的平均消费金额",
      r_score: "R 分", f_score: "F 分", lorenz: "销售额集中度（洛伦兹曲线）",
      equality: "完全平均", share_customers: "购买客户占比（按消费金额升序）",
      clusters: "聚类", recency: "最近一次消费（天）", frequency: "消费频次", monetary: "消费金额",
      palive: "按最近消费 x 频次的存活概率", exp_purchases: "按最近消费 x 频次的90天预期购买次数",
      recency_band: "最近消费（天）", frequency_band: "订单数",
      churn_bands: "流失风险分档", low: "低", medium: "中", high: "高", very_high: "很高",
      movements: "两次快照之间的客户流动", cohorts: "按首购月份的同期群留存",
      cohort: "同期群", month_offset: "首购后月数", size: "人数",
      no_charts: "图表不可用：此版本未包含 ECharts（运行 scripts/install-deps.sh 后重新构建）。下表包含相同数据。",
      no_data: "此图无数据。",
      source_p_alive: "由 1 - 存活概率 计算", source_churn_risk: "来自流失模型"
    }
  };
  var lang = "en";

  function t(key) { return (TEXT[lang] && TEXT[lang][key]) || TEXT.en[key] || key; }

  /* Every piece of text that came from data goes through esc() before reaching innerHTML. */
  function esc(v) {
    return String(v === null || v === undefined ? "" : v)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function num(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return "";
    return Number(v).toLocaleString(lang === "zh" ? "zh-CN" : "en-US",
      { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function pct(v) { return v === null || v === undefined ? "" : (100 * v).toFixed(1) + "%"; }

  function hasCharts() { return typeof echarts !== "undefined"; }

  var charts = [];
  /* Draws `option` into a new chart box appended to `parent`; returns the box. */
  function chart(parent, name, title, option) {
    var box = document.createElement("section");
    box.className = "card";
    box.innerHTML = "<h3>" + esc(title) + "</h3>";
    var el = document.createElement("div");
    el.className = "chart";
    el.setAttribute("data-chart", name);
    box.appendChild(el);
    parent.appendChild(box);
    if (hasCharts() && option) {
      var c = echarts.init(el, null, { renderer: "canvas" });
      option.animation = false;
      c.setOption(option);
      charts.push(c);
    } else if (!option) {
      el.className = "chart empty";
      el.textContent = t("no_data");
    }
    return box;
  }

  function table(headers, rows) {
    var h = "<table><thead><tr>" + headers.map(function (x) { return "<th>" + esc(x) + "</th>"; }).join("") +
      "</tr></thead><tbody>";
    rows.forEach(function (r) {
      h += "<tr>" + r.map(function (x) { return "<td>" + esc(x) + "</td>"; }).join("") + "</tr>";
    });
    return h + "</tbody></table>";
  }

  function label(seg, i) {
    return lang === "zh" && seg.alt && seg.alt[i] ? seg.alt[i] : seg.labels[i];
  }

  function kpiStrip(parent, k, gini) {
    var items = [["customers", num(k.customers, 0)], ["purchasers", num(k.purchasers, 0)],
      ["revenue", num(k.revenue)], ["orders", num(k.orders, 0)],
      ["avg_order_value", num(k.avg_order_value)], ["repeat_rate", pct(k.repeat_rate)],
      ["top20_revenue_share", pct(k.top20_revenue_share)], ["silent_share", pct(k.silent_share)],
      ["gini", num(gini, 3)]];
    var div = document.createElement("div");
    div.className = "kpis";
    div.innerHTML = items.map(function (x) {
      return "<div class=\"kpi\"><span>" + esc(t(x[0])) + "</span><b data-kpi=\"" + esc(x[0]) + "\">" +
        esc(x[1]) + "</b></div>";
    }).join("");
    parent.appendChild(div);
  }

  function segmentation(parent, seg) {
    var names = seg.labels.map(function (_, i) { return label(seg, i); });
    var box = chart(parent, "segmentation_" + seg.name, t("segmentation") + ": " + seg.name, {
      tooltip: { trigger: "axis", valueFormatter: pct },
      legend: { data: [t("customer_share"), t("revenue_share")] },
      grid: { left: 60, right: 20, bottom: 90 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 35, interval: 0 } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } },
      series: [{ name: t("customer_share"), type: "bar", data: seg.customer_share },
        { name: t("revenue_share"), type: "bar", data: seg.revenue_share }]
    });
    var div = document.createElement("div");
    div.className = "table";
    div.innerHTML = table([t("segment"), t("customers"), t("share"), t("revenue"), t("share"), t("avg_monetary")],
      seg.labels.map(function (_, i) {
        return [names[i], num(seg.customers[i], 0), pct(seg.customer_share[i]), num(seg.revenue[i]),
          pct(seg.revenue_share[i]), num(seg.avg_monetary[i])];
      }));
    box.appendChild(div);
  }

  function heatmap(cells, xs, ys, xname, yname, digits) {
    var values = cells.map(function (c) { return c[2]; });
    return {
      tooltip: { formatter: function (p) { return esc(num(p.value[2], digits)) + " (" + esc(num(p.value[3], 0)) + ")"; } },
      grid: { left: 80, right: 20, bottom: 70 },
      xAxis: { type: "category", data: xs, name: xname, nameLocation: "middle", nameGap: 30 },
      yAxis: { type: "category", data: ys, name: yname, nameLocation: "middle", nameGap: 55 },
      visualMap: { dimension: 2, min: Math.min.apply(null, values.concat([0])), max: Math.max.apply(null, values.concat([1])),
        calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80 },
      series: [{ type: "heatmap", data: cells.map(function (c) { return [c[1], c[0], c[2], c[3]]; }),
        label: { show: true, formatter: function (p) { return num(p.value[2], digits); } } }]
    };
  }

  function rfHeatmap(parent, h) {
    if (!h || !h.cells.length) return chart(parent, "rf_heatmap", t("rf_heatmap"), null);
    var bins = [];
    for (var i = 1; i <= h.bins; i++) bins.push(String(i));
    var cells = h.cells.map(function (c) { return [c[0] - 1, c[1] - 1, c[2], c[3]]; });
    chart(parent, "rf_heatmap", t("rf_heatmap"), heatmap(cells, bins, bins, t("f_score"), t("r_score"), 0));
  }

  function lorenz(parent, l) {
    if (!l || !l.points.length) return chart(parent, "lorenz", t("lorenz"), null);
    chart(parent, "lorenz", t("lorenz") + " — " + t("gini") + " " + num(l.gini, 3), {
      tooltip: { trigger: "axis" },
      legend: { data: [t("lorenz"), t("equality")] },
      xAxis: { type: "value", min: 0, max: 1, name: t("share_customers"), nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "value", min: 0, max: 1, name: t("revenue_share") },
      series: [{ name: t("lorenz"), type: "line", showSymbol: false, areaStyle: { opacity: 0.2 }, data: l.points },
        { name: t("equality"), type: "line", showSymbol: false, lineStyle: { type: "dashed" }, data: [[0, 0], [1, 1]] }]
    });
  }

  function clusters(parent, c) {
    if (!c || !c.length) return chart(parent, "clusters", t("clusters"), null);
    var maxN = Math.max.apply(null, c.map(function (x) { return x.customers; }));
    chart(parent, "clusters", t("clusters"), {
      tooltip: { formatter: function (p) { return esc(p.data.name) + ": " + esc(num(p.data.value[3], 0)); } },
      xAxis: { type: "value", name: t("recency"), nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "value", name: t("monetary") },
      series: [{ type: "scatter", data: c.map(function (x) {
        return { name: x.label, value: [x.recency, x.monetary, x.frequency, x.customers] };
      }), symbolSize: function (v) { return 12 + 50 * Math.sqrt(v[3] / maxN); },
      label: { show: true, formatter: function (p) { return p.data.name; }, position: "top" } }]
    });
  }

  function palive(parent, p) {
    if (!p) {
      chart(parent, "p_alive", t("palive"), null);
      return chart(parent, "exp_purchases", t("exp_purchases"), null);
    }
    chart(parent, "p_alive", t("palive"),
      heatmap(p.p_alive, p.frequency_bands, p.recency_bands, t("frequency_band"), t("recency_band"), 2));
    chart(parent, "exp_purchases", t("exp_purchases"),
      heatmap(p.exp_purchases_90d, p.frequency_bands, p.recency_bands, t("frequency_band"), t("recency_band"), 2));
  }

  function churn(parent, c) {
    if (!c) return chart(parent, "churn_bands", t("churn_bands"), null);
    chart(parent, "churn_bands", t("churn_bands") + " (" + t("source_" + c.source) + ")", {
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: c.bands.map(t) },
      yAxis: { type: "value", name: t("customers") },
      series: [{ type: "bar", data: c.customers, label: { show: true, position: "top" } }]
    });
  }

  function movements(parent, m, data) {
    if (!m || !m.links.length) return chart(parent, "movements", t("movements"), null);
    var nodes = {}, from = function (x) { return "\u2190 " + x; };
    var links = m.links.map(function (l) {
      nodes[from(l[0])] = 1; nodes[l[1]] = 1;
      return { source: from(l[0]), target: l[1], value: l[2] };
    });
    chart(parent, "movements", t("movements") + " (" + (data.previous_as_of || "") + " \u2192 " + (data.as_of || "") + ")", {
      tooltip: { trigger: "item" },
      series: [{ type: "sankey", left: 10, right: 120, data: Object.keys(nodes).map(function (n) { return { name: n }; }),
        links: links, emphasis: { focus: "adjacency" } }]
    });
  }

  function cohorts(parent, c) {
    if (!c || !c.months.length) return chart(parent, "cohorts", t("cohorts"), null);
    var cells = [], maxK = 0;
    c.retention.forEach(function (row, i) {
      row.forEach(function (v, k) { if (k > 0) cells.push([i, k, v, c.sizes[i]]); maxK = Math.max(maxK, k); });
    });
    var ks = [];
    for (var k = 0; k <= maxK; k++) ks.push(String(k));
    var opt = heatmap(cells, ks, c.months, t("month_offset"), t("cohort"), 2);
    opt.visualMap.max = Math.max.apply(null, cells.map(function (x) { return x[2]; }).concat([0.01]));
    opt.series[0].label.formatter = function (p) { return Math.round(100 * p.value[2]) + "%"; };
    chart(parent, "cohorts", t("cohorts"), opt);
  }

  /* The whole report (also the dashboard's overview) into `parent`. */
  function renderReport(parent, data, language) {
    lang = language === "zh" ? "zh" : "en";
    parent.innerHTML = "";
    if (!hasCharts()) {
      var note = document.createElement("p");
      note.className = "note";
      note.textContent = t("no_charts");
      parent.appendChild(note);
    }
    kpiStrip(parent, data.kpi, data.lorenz ? data.lorenz.gini : null);
    var grid = document.createElement("div");
    grid.className = "grid";
    parent.appendChild(grid);
    (data.segmentations || []).forEach(function (s) { segmentation(grid, s); });
    rfHeatmap(grid, data.rf_heatmap);
    lorenz(grid, data.lorenz);
    clusters(grid, data.clusters);
    palive(grid, data.palive);
    churn(grid, data.churn_bands);
    movements(grid, data.movements, data);
    cohorts(grid, data.cohorts);
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  return { t: t, esc: esc, num: num, pct: pct, table: table, renderReport: renderReport,
    movements: function (parent, m, data, language) { lang = language === "zh" ? "zh" : "en"; movements(parent, m, data); },
    setLang: function (l) { lang = l === "zh" ? "zh" : "en"; }, lang: function () { return lang; },
    hasCharts: hasCharts };
})();
