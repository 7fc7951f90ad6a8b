/* The report page: reads the figures embedded by `patron report` and draws them, then the
 * portrait per rfm_class (SPEC 17: per dimension the value each class over-indexes on most,
 * with its share of the class and its TGI). */
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("patron-data").textContent);
  var lang = document.body.getAttribute("data-lang") || "en";
  Patron.setLang(lang);
  var app = document.getElementById("app");
  var head = document.createElement("header");
  head.innerHTML = "<h1>" + Patron.esc(Patron.t("title")) + "</h1><p>" + Patron.esc(Patron.t("as_of")) + " " +
    Patron.esc(data.as_of || "") + (data.previous_as_of ? ", " + Patron.esc(Patron.t("previous")) + " " +
    Patron.esc(data.previous_as_of) : "") + "</p>";
  document.body.insertBefore(head, app);
  document.title = Patron.t("title") + " " + (data.as_of || "");
  Patron.renderReport(app, data, lang);

  var TEXT = {
    en: { title: "Portrait by RFM class", dimension: "Dimension", customers: "customers",
      note: "Per dimension, the value with the highest TGI (100 x share in the class / share in all customers) among those held by at least 5% of the class." },
    zh: { title: "按RFM分类的用户画像", dimension: "维度", customers: "位客户",
      note: "每个维度中，占本组至少5%的值里TGI（本组占比 / 全体占比 x 100）最高的值。" }
  };
  function portrait(parent, p) {
    if (!p || !p.groups || !p.groups.length) return;
    var tx = TEXT[lang === "zh" ? "zh" : "en"], zh = lang === "zh";
    var box = document.createElement("section");
    box.className = "portrait";
    var headers = [tx.dimension].concat(p.groups.map(function (g) {
      return (zh && g.name_zh ? g.name_zh : g.name) + " (" + g.customers + " " + tx.customers + ")";
    }));
    var rows = p.dimensions.map(function (d) {
      return [zh && d.name_zh ? d.name_zh : d.name].concat(d.cells.map(function (c) {
        if (!c) return "";
        return (zh && c[1] ? c[1] : c[0]) + " " + Patron.pct(c[2]) + " (TGI " + Math.round(c[3]) + ")";
      }));
    });
    box.innerHTML = "<h2>" + Patron.esc(tx.title) + "</h2><p class=\"note\">" + Patron.esc(tx.note) + "</p>" +
      Patron.table(headers, rows);
    parent.appendChild(box);
  }
  portrait(app, data.portrait);
})();
