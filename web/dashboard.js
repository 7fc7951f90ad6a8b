/* The dashboard served by `patron serve` at /: overview (the report's figures), customer
 * page (profile and paged order history), audience builder with a live count and errors at
 * the caret, movements, trigger actions, experiments (verdicts per arm and metric, and per
 * trigger rule). The token travels in the Authorization header only (kept in this
 * tab's sessionStorage, never in a cookie); every piece of data is escaped (Patron.esc) or
 * set as textContent. */
"use strict";
(function () {
  var MORE = {
    en: { dash_title: "Patron", token: "Token", use_token: "Use", overview: "Overview", customer: "Customer",
      audience: "Audience builder", movements_tab: "Movements", actions: "Trigger actions", experiments: "Experiments",
      customer_id: "Customer id", show: "Show", field: "Field", value: "Value", where: "Where",
      audience_count: "customers match", rule: "Rule", since: "Since", name: "Name", by: "By",
      need_token: "Enter a token to see the data.", loading: "Loading…", from: "From", to: "To", count: "Customers",
      history: "Order history", date: "Date", amount: "Amount", lines: "Lines", categories: "Categories",
      items: "Items", channel: "Channel", prev: "Newer", next: "Older", orders_of: "orders, showing",
      no_orders: "No orders before this snapshot.", start: "Start", window: "Window (days)",
      arms: "Arms", arm: "Arm", metric: "Metric", n: "Customers", control: "Control", value: "Value",
      diff: "Difference [interval]", lift: "Lift [interval]", p_adjusted: "p (Holm)", verdict: "Verdict",
      rules_title: "Trigger rules as experiments", as_of: "As of", rules_show: "Evaluate rules",
      enabled: "Enabled", treatment: "Treatment", holdout: "Holdout", conversion_diff: "Conversion difference",
      yes: "yes", no: "no", need_start: "Give a start date to see the verdicts.",
      v_effective: "effective", v_harmful: "harmful", v_ineffective: "ineffective",
      v_inconclusive: "inconclusive", v_invalid: "invalid (sample ratio mismatch)",
      m_conversion: "conversion", m_revenue: "revenue per customer", m_orders: "orders per customer" },
    zh: { dash_title: "Patron 客户价值", token: "令牌", use_token: "使用", overview: "概览", customer: "客户",
      audience: "人群圈选", movements_tab: "客户流动", actions: "触发动作", experiments: "实验",
      customer_id: "客户编号", show: "查看", field: "字段", value: "值", where: "条件",
      audience_count: "位客户符合条件", rule: "规则", since: "起始日期", name: "名称", by: "维度",
      need_token: "请输入令牌以查看数据。", loading: "加载中…", from: "从", to: "到", count: "客户数",
      history: "订单历史", date: "日期", amount: "金额", lines: "明细行", categories: "品类",
      items: "商品", channel: "渠道", prev: "较新", next: "较早", orders_of: "笔订单，显示",
      no_orders: "此快照之前没有订单。", start: "开始日期", window: "观察窗口（天）",
      arms: "实验组", arm: "组别", metric: "指标", n: "客户数", control: "对照组", value: "数值",
      diff: "差值 [区间]", lift: "提升 [区间]", p_adjusted: "p 值（Holm）", verdict: "结论",
      rules_title: "触发规则效果评估", as_of: "评估日期", rules_show: "评估规则",
      enabled: "启用", treatment: "实验组", holdout: "留出组", conversion_diff: "转化率差值",
      yes: "是", no: "否", need_start: "请填写开始日期以查看结论。",
      v_effective: "有效", v_harmful: "有害", v_ineffective: "无效",
      v_inconclusive: "尚无定论", v_invalid: "无效实验（样本比例失衡）",
      m_conversion: "转化率", m_revenue: "人均收入", m_orders: "人均订单数" }
  };
  var app = document.getElementById("app");
  var token = sessionStorage.getItem("patron-token") || "";
  var lang = sessionStorage.getItem("patron-lang") ||
    ((navigator.language || "").indexOf("zh") === 0 ? "zh" : "en");
  var view = "overview";

  function t(k) { return (MORE[lang] && MORE[lang][k]) || Patron.t(k); }

  /* GET or POST /api/v1/PATH with the bearer token; resolves {status, body}. */
  function api(path, body) {
    var opts = { method: body === undefined ? "GET" : "POST", headers: {}, credentials: "omit" };
    if (token) opts.headers.Authorization = "Bearer " + token;
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch("/api/v1" + path, opts).then(function (r) {
      return r.json().then(function (b) { return { status: r.status, body: b }; },
        function () { return { status: r.status, body: null }; });
    });
  }

  function errorBox(res) {
    var pre = document.createElement("pre");
    pre.className = "error";
    var e = res.body && res.body.error;
    pre.textContent = res.status + " " + (e ? e.code + ": " + e.message : "");
    return pre;
  }

  function el(html) {
    var d = document.createElement("div");
    d.innerHTML = html;
    return d;
  }

  function kvTable(obj) {
    return Patron.table([t("field"), t("value")], Object.keys(obj).map(function (k) {
      var v = obj[k];
      return [k, v === null ? "" : typeof v === "number" ? Patron.num(v, 4) : v];
    }));
  }

  function rowsTable(rows) {
    if (!rows || !rows.length) return "";
    var cols = Object.keys(rows[0]).slice(0, 12);
    return Patron.table(cols, rows.map(function (r) { return cols.map(function (c) { return r[c]; }); }));
  }

  /* "value [low, high]" of a figure and its interval (percentage points for conversion). */
  function interval(v, lo, hi, scale) {
    var f = function (x) { return x === null || x === undefined ? "–" : Patron.num(x * scale, 2); };
    return f(v) + " [" + f(lo) + ", " + f(hi) + "]";
  }

  function verdictCell(v) {
    return "<span class=\"verdict v-" + Patron.esc(v) + "\">" + Patron.esc(t("v_" + v)) + "</span>";
  }

  /* The rows of results.csv (SPEC 12) as a table, verdicts as coloured labels. */
  function resultsTable(rows) {
    var h = [t("metric"), t("arm"), t("n"), t("control"), t("value"), t("diff"), t("lift"), t("p_adjusted"), t("verdict")];
    var html = "<table class=\"results\"><thead><tr>" + h.map(function (x) { return "<th>" + Patron.esc(x) + "</th>"; }).join("") +
      "</tr></thead><tbody>";
    rows.forEach(function (r) {
      var pp = r.metric === "conversion" ? 100 : 1;
      var cells = [t("m_" + r.metric), r.arm, Patron.num(r.n, 0) + " / " + Patron.num(r.control_n, 0),
        r.control_value === null ? "–" : Patron.num(r.control_value * pp, 3),
        r.value === null ? "–" : Patron.num(r.value * pp, 3),
        interval(r.diff, r.diff_low, r.diff_high, pp), interval(r.lift, r.lift_low, r.lift_high, 100),
        r.p_adjusted === null ? "–" : Patron.num(r.p_adjusted, 4)];
      html += "<tr>" + cells.map(function (x) { return "<td>" + Patron.esc(x) + "</td>"; }).join("") +
        "<td>" + verdictCell(r.verdict) + "</td></tr>";
    });
    return html + "</tbody></table>";
  }

  /* The customer's order history, newest first, PAGE orders a page. */
  var PAGE = 20;
  function history(out, id, offset) {
    api("/customers/" + encodeURIComponent(id) + "/orders?limit=" + PAGE + "&offset=" + offset).then(function (res) {
      var box = document.createElement("section");
      box.className = "card history";
      box.innerHTML = "<h3>" + Patron.esc(t("history")) + "</h3>";
      var old = out.querySelector(".history");
      if (old) out.replaceChild(box, old); else out.appendChild(box);
      if (res.status !== 200) return box.appendChild(errorBox(res));
      var h = res.body;
      if (!h.count) return box.appendChild(el(Patron.esc(t("no_orders"))));
      box.appendChild(el(Patron.table([t("date"), t("amount"), t("lines"), t("categories"), t("items"), t("channel")],
        h.orders.map(function (o) {
          return [o.time.replace("T", " ").replace("Z", ""), Patron.num(o.amount, 2), o.lines,
            (o.categories || []).join(", "), (o.items || []).join(", "), o.channel || ""];
        }))));
      var pager = el("<div class=\"row pager\"><button class=\"act\" id=\"hprev\">" + Patron.esc(t("prev")) +
        "</button><span>" + Patron.esc(Patron.num(h.count, 0) + " " + t("orders_of") + " " + (offset + 1) + "–" +
        (offset + h.orders.length)) + "</span><button class=\"act\" id=\"hnext\">" + Patron.esc(t("next")) + "</button></div>");
      box.appendChild(pager);
      var prev = pager.querySelector("#hprev"), next = pager.querySelector("#hnext");
      prev.disabled = offset === 0;
      next.disabled = offset + PAGE >= h.count;
      prev.onclick = function () { history(out, id, Math.max(0, offset - PAGE)); };
      next.onclick = function () { history(out, id, offset + PAGE); };
    });
  }

  function ruleVerdicts(out) {
    var q = "?window=" + encodeURIComponent(document.getElementById("rwindow").value || "30");
    var asOf = document.getElementById("rasof").value;
    if (asOf) q += "&as_of=" + encodeURIComponent(asOf);
    api("/rules" + q).then(function (res) {
      out.innerHTML = "";
      if (res.status !== 200) return out.appendChild(errorBox(res));
      var h = [t("rule"), t("enabled"), t("count"), t("treatment"), t("holdout"), t("conversion_diff"), t("verdict")];
      var html = "<p>" + Patron.esc(t("as_of") + " " + res.body.as_of + ", " + t("window") + " " + res.body.window) +
        "</p><table class=\"rules\"><thead><tr>" + h.map(function (x) { return "<th>" + Patron.esc(x) + "</th>"; }).join("") +
        "</tr></thead><tbody>";
      res.body.rules.forEach(function (r) {
        var conv = (r.results || []).filter(function (x) { return x.metric === "conversion"; })[0];
        var cells = [r.rule, (r.enabled ? t("yes") : t("no")) + (r.reason ? " (" + r.reason + ")" : ""),
          Patron.num(r.customers, 0), Patron.num(r.treatment, 0), Patron.num(r.holdout, 0),
          conv ? interval(conv.diff, conv.diff_low, conv.diff_high, 100) : "–"];
        html += "<tr>" + cells.map(function (x) { return "<td>" + Patron.esc(x) + "</td>"; }).join("") +
          "<td>" + verdictCell(r.verdict) + "</td></tr>";
      });
      out.innerHTML = html + "</tbody></table>";
      res.body.rules.forEach(function (r) {
        if (!r.results || !r.results.length) return;
        var sec = el("<h4>" + Patron.esc(r.rule) + "</h4>" + resultsTable(r.results));
        out.appendChild(sec);
      });
    });
  }

  var views = {
    overview: function () {
      app.textContent = t("loading");
      api("/report").then(function (res) {
        app.innerHTML = "";
        if (res.status !== 200) return app.appendChild(errorBox(res));
        var div = document.createElement("div");
        app.appendChild(div);
        Patron.renderReport(div, res.body, lang);
      });
    },
    customer: function () {
      app.innerHTML = "";
      var form = el("<div class=\"row\"><label>" + Patron.esc(t("customer_id")) +
        " <input id=\"cid\" size=\"30\"></label><button class=\"act\" id=\"cshow\">" + Patron.esc(t("show")) +
        "</button></div><div id=\"cout\"></div>");
      app.appendChild(form);
      var input = document.getElementById("cid"), out = document.getElementById("cout");
      var show = function () {
        api("/customers/" + encodeURIComponent(input.value)).then(function (res) {
          out.innerHTML = "";
          if (res.status !== 200) return out.appendChild(errorBox(res));
          var c = res.body, key = ["segment", "lifecycle", "rfm_class", "tier", "p_alive", "churn_risk",
            "exp_purchases_90d", "clv_365d", "monetary", "frequency", "recency_days"];
          var strip = "<div class=\"kpis\">" + key.filter(function (k) { return k in c; }).map(function (k) {
            var v = c[k];
            return "<div class=\"kpi\"><span>" + Patron.esc(k) + "</span><b>" +
              Patron.esc(v === null ? "–" : typeof v === "number" ? Patron.num(v, 3) : v) + "</b></div>";
          }).join("") + "</div>";
          out.appendChild(el("<section class=\"card\"><h3>" + Patron.esc(c.customer_id) + "</h3>" + strip +
            kvTable(c) + "</section>"));
          history(out, input.value, 0);
        });
      };
      document.getElementById("cshow").onclick = show;
      input.onkeydown = function (e) { if (e.key === "Enter") show(); };
    },
    audience: function () {
      app.innerHTML = "";
      app.appendChild(el("<label>" + Patron.esc(t("where")) + "</label><textarea id=\"where\" rows=\"3\"></textarea>" +
        "<div class=\"row\"><span class=\"count\" id=\"acount\">–</span> <span>" + Patron.esc(t("audience_count")) +
        "</span></div><div id=\"aerr\"></div><div id=\"arows\"></div>"));
      var area = document.getElementById("where"), timer = null, seq = 0;
      area.oninput = function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var mine = ++seq;
          api("/audiences", { where: area.value, limit: 20 }).then(function (res) {
            if (mine !== seq) return;
            var err = document.getElementById("aerr");
            err.innerHTML = "";
            if (res.status !== 200) {
              document.getElementById("acount").textContent = "–";
              return err.appendChild(errorBox(res));
            }
            document.getElementById("acount").textContent = Patron.num(res.body.count, 0);
            document.getElementById("arows").innerHTML = rowsTable(res.body.rows);
          });
        }, 250);
      };
    },
    movements: function () {
      app.innerHTML = "";
      app.appendChild(el("<div class=\"row\"><label>" + Patron.esc(t("by")) + " <select id=\"mby\">" +
        ["segment", "lifecycle", "rfm_class", "value_quadrant", "abc_class", "tier", "member_level"].map(function (s) {
          return "<option>" + s + "</option>";
        }).join("") + "</select></label></div><div id=\"mout\"></div>"));
      var sel = document.getElementById("mby");
      var load = function () {
        api("/movements?by=" + encodeURIComponent(sel.value)).then(function (res) {
          var out = document.getElementById("mout");
          out.innerHTML = "";
          if (res.status !== 200) return out.appendChild(errorBox(res));
          var m = res.body;
          Patron.movements(out, m, { as_of: m.to, previous_as_of: m.from }, lang);
          out.appendChild(el(Patron.table([t("from"), t("to"), t("count")], m.links)));
        });
      };
      sel.onchange = load;
      load();
    },
    actions: function () {
      app.innerHTML = "";
      app.appendChild(el("<div class=\"row\"><label>" + Patron.esc(t("rule")) + " <input id=\"arule\"></label><label>" +
        Patron.esc(t("since")) + " <input id=\"asince\" placeholder=\"YYYY-MM-DD\"></label><button class=\"act\" id=\"ago\">" +
        Patron.esc(t("show")) + "</button></div><div id=\"aout\"></div>"));
      document.getElementById("ago").onclick = function () {
        var q = "?rule=" + encodeURIComponent(document.getElementById("arule").value) +
          "&since=" + encodeURIComponent(document.getElementById("asince").value);
        api("/actions" + q).then(function (res) {
          var out = document.getElementById("aout");
          out.innerHTML = "";
          if (res.status !== 200) return out.appendChild(errorBox(res));
          out.innerHTML = rowsTable(res.body.actions || []);
        });
      };
    },
    experiments: function () {
      app.innerHTML = "";
      app.appendChild(el("<div class=\"row\"><label>" + Patron.esc(t("name")) + " <input id=\"ename\"></label><label>" +
        Patron.esc(t("start")) + " <input id=\"estart\" placeholder=\"YYYY-MM-DD\" size=\"11\"></label><label>" +
        Patron.esc(t("window")) + " <input id=\"ewindow\" value=\"30\" size=\"4\"></label>" +
        "<button class=\"act\" id=\"ego\">" + Patron.esc(t("show")) + "</button></div><div id=\"eout\"></div>" +
        "<h3>" + Patron.esc(t("rules_title")) + "</h3><div class=\"row\"><label>" + Patron.esc(t("as_of")) +
        " <input id=\"rasof\" placeholder=\"YYYY-MM-DD\" size=\"11\"></label><label>" + Patron.esc(t("window")) +
        " <input id=\"rwindow\" value=\"30\" size=\"4\"></label><button class=\"act\" id=\"rgo\">" +
        Patron.esc(t("rules_show")) + "</button></div><div id=\"rout\"></div>"));
      document.getElementById("ego").onclick = function () {
        var start = document.getElementById("estart").value.trim();
        var q = start ? "?start=" + encodeURIComponent(start) + "&window=" +
          encodeURIComponent(document.getElementById("ewindow").value || "30") : "";
        api("/experiments/" + encodeURIComponent(document.getElementById("ename").value) + q).then(function (res) {
          var out = document.getElementById("eout");
          out.innerHTML = "";
          if (res.status !== 200) return out.appendChild(errorBox(res));
          var x = res.body;
          out.appendChild(el("<h3>" + Patron.esc(x.name) + "</h3>" + Patron.table([t("arm"), t("n")],
            Object.keys(x.arms).map(function (a) { return [a, Patron.num(x.arms[a], 0)]; }))));
          out.appendChild(el(x.evaluation ? resultsTable(x.evaluation.results) : Patron.esc(t("need_start"))));
        });
      };
      document.getElementById("rgo").onclick = function () { ruleVerdicts(document.getElementById("rout")); };
    }
  };

  function translate() {
    Patron.setLang(lang);
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (n) {
      n.textContent = t(n.getAttribute("data-t"));
    });
  }

  function show(name) {
    view = name;
    Array.prototype.forEach.call(document.querySelectorAll("#tabs button"), function (b) {
      b.className = b.getAttribute("data-view") === name ? "on" : "";
    });
    if (!token) {
      app.textContent = t("need_token");
      return;
    }
    views[name]();
  }

  document.getElementById("tabs").onclick = function (e) {
    var v = e.target.getAttribute && e.target.getAttribute("data-view");
    if (v) show(v);
  };
  document.getElementById("token").value = token;
  document.getElementById("save-token").onclick = function () {
    token = document.getElementById("token").value.trim();
    sessionStorage.setItem("patron-token", token);
    show(view);
  };
  var langSel = document.getElementById("lang");
  langSel.value = lang;
  langSel.onchange = function () {
    lang = langSel.value;
    sessionStorage.setItem("patron-lang", lang);
    translate();
    show(view);
  };
  translate();
  show("overview");
})();
