/* The dashboard served by `patron serve` at /: overview (the report's figures), customer
 * page, audience builder with a live count and errors at the caret, movements, trigger
 * actions, experiments. The token travels in the Authorization header only (kept in this
 * tab's sessionStorage, never in a cookie); every piece of data is escaped (Patron.esc) or
 * set as textContent. */
"use strict";
(function () {
  var MORE = {
    en: { dash_title: "Patron", token: "Token", use_token: "Use", overview: "Overview", customer: "Customer",
      audience: "Audience builder", movements_tab: "Movements", actions: "Trigger actions", experiments: "Experiments",
      customer_id: "Customer id", show: "Show", field: "Field", value: "Value", where: "Where",
      audience_count: "customers match", rule: "Rule", since: "Since", name: "Name", by: "By",
      need_token: "Enter a token to see the data.", loading: "Loading…", from: "From", to: "To", count: "Customers" },
    zh: { dash_title: "Patron 客户价值", token: "令牌", use_token: "使用", overview: "概览", customer: "客户",
      audience: "人群圈选", movements_tab: "客户流动", actions: "触发动作", experiments: "实验",
      customer_id: "客户编号", show: "查看", field: "字段", value: "值", where: "条件",
      audience_count: "位客户符合条件", rule: "规则", since: "起始日期", name: "名称", by: "维度",
      need_token: "请输入令牌以查看数据。", loading: "加载中…", from: "从", to: "到", count: "客户数" }
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
      app.appendChild(el("<div class=\"row\"><label>" + Patron.esc(t("name")) + " <input id=\"ename\"></label>" +
        "<button class=\"act\" id=\"ego\">" + Patron.esc(t("show")) + "</button></div><div id=\"eout\"></div>"));
      document.getElementById("ego").onclick = function () {
        api("/experiments/" + encodeURIComponent(document.getElementById("ename").value)).then(function (res) {
          var out = document.getElementById("eout");
          out.innerHTML = "";
          if (res.status !== 200) return out.appendChild(errorBox(res));
          var pre = document.createElement("pre");
          pre.textContent = JSON.stringify(res.body, null, 2);
          out.appendChild(pre);
        });
      };
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
