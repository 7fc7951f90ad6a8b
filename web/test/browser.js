/* Shared pieces of the browser tests: launch Debian's chromium through playwright-core (no
 * browser download), collect console errors and every network request of a page. */
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

const CANDIDATES = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

function chromiumPath() {
  return CANDIDATES.find((p) => p && fs.existsSync(p));
}

async function launch() {
  const args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"];
  return chromium.launch({ executablePath: chromiumPath(), args, headless: true });
}

/* A page whose console errors and page errors are kept in `errors`. */
async function watchedPage(browser, options) {
  const context = await browser.newContext(options || { viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("page: " + e.message));
  return { context, page, errors };
}

/* Chart boxes that hold no drawing (ECharts draws into a canvas, or shows "no data"). */
async function undrawnCharts(page) {
  return page.$$eval(".chart", (els) => els
    .filter((e) => !e.classList.contains("empty") && !e.querySelector("canvas, svg"))
    .map((e) => e.getAttribute("data-chart")));
}

module.exports = { chromiumPath, launch, watchedPage, undrawnCharts };
