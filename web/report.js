/* The report page: reads the figures embedded by `patron report` and draws them. */
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
})();
