/* Browser test of `patron report`: opens the HTML file with every network request blocked
 * (and counted), checks there is no console error, every chart is drawn and user text is
 * shown escaped, and saves a screenshot. Usage: node report_check.js REPORT.html SHOT.png
 * [EXPECTED_TEXT...] */
"use strict";
const path = require("path");
const { launch, watchedPage, undrawnCharts } = require("./browser");

async function main() {
  const [file, shot, ...expected] = process.argv.slice(2);
  const browser = await launch();
  const { page, errors } = await watchedPage(browser);
  const requests = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto("file://" + path.resolve(file));
  await page.waitForTimeout(500);
  const charts = await page.$$eval(".chart", (els) => els.length);
  const undrawn = await undrawnCharts(page);
  const text = await page.evaluate(() => document.body.innerText);
  const scripts = await page.$$eval("script", (els) => els.length);
  await page.screenshot({ path: shot, fullPage: true });
  await browser.close();
  const problems = [];
  if (requests.length) problems.push("network requests: " + requests.join(", "));
  if (errors.length) problems.push("errors: " + errors.join(" | "));
  if (charts === 0) problems.push("no chart at all");
  if (undrawn.length) problems.push("charts not drawn: " + undrawn.join(", "));
  if (scripts !== 4) problems.push("unexpected script elements: " + scripts + " (injected markup?)");
  for (const e of expected) if (!text.includes(e)) problems.push("text lacks: " + e);
  console.log(`report: ${charts} charts, ${requests.length} network requests, screenshot ${shot}`);
  if (problems.length) {
    console.log("FAIL: " + problems.join("\nFAIL: "));
    process.exit(1);
  }
}

main().catch((e) => { console.log("FAIL: " + e.stack); process.exit(1); });
