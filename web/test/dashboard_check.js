/* Browser test of the dashboard served by `patron serve`: every tab without a console error,
 * the overview's charts all drawn, a customer whose id holds <script> and quotes shown as
 * text (no dialog, no injected element), the audience builder's live count equal to the
 * CLI's when the expression language is built in (else its error shown), no cookie set,
 * screenshots saved. With HISTORY_FIRST ("time|amount|lines|categories|items|channel") the
 * customer page's newest order must read so; with EXPERIMENT, EXP_START, EXP_VERDICTS,
 * RULE_ASOF and RULE_VERDICTS ("rule:verdict,...") the experiments page must show the CLI's
 * verdicts, in English and with Chinese labels. Usage: node dashboard_check.js URL TOKEN SHOT_PREFIX EVIL_ID
 * [WHERE EXPECTED_COUNT] */
"use strict";
const { launch, watchedPage, undrawnCharts } = require("./browser");

async function main() {
  const [url, token, shot, evil, where, expected] = process.argv.slice(2);
  const browser = await launch();
  const { context, page, errors } = await watchedPage(browser);
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  const problems = [];
  await page.goto(url);
  await page.fill("#token", token);
  await page.click("#save-token");
  await page.waitForSelector(".kpis", { timeout: 15000 });
  await page.waitForTimeout(300);
  const charts = await page.$$eval(".chart", (els) => els.length);
  const undrawn = await undrawnCharts(page);
  if (!charts) problems.push("overview: no chart");
  if (undrawn.length) problems.push("overview: charts not drawn: " + undrawn.join(", "));
  await page.screenshot({ path: shot + "_overview.png", fullPage: true });

  await page.click("button[data-view=customer]");
  await page.fill("#cid", evil);
  await page.click("#cshow");
  await page.waitForSelector("#cout section, #cout .error", { timeout: 10000 });
  const shown = await page.$eval("#cout", (e) => e.innerText);
  if (!shown.includes(evil)) problems.push("customer page does not show the id as text");
  const injected = await page.$$eval("#cout script, #cout img, #cout iframe", (els) => els.length);
  if (injected) problems.push("customer page holds injected elements");
  if (process.env.HISTORY_FIRST) { /* the order history: its newest order as the orders file has it */
    await page.waitForSelector("#cout .history table, #cout .history .error", { timeout: 10000 });
    const first = await page.$$eval("#cout .history tbody tr", (trs) =>
      trs.length ? Array.from(trs[0].children).map((td) => td.innerText) : []);
    const want = process.env.HISTORY_FIRST.split("|");
    if (want.some((w, i) => first[i] !== w))
      problems.push(`history: first order ${JSON.stringify(first)}, orders file says ${JSON.stringify(want)}`);
  }
  await page.screenshot({ path: shot + "_customer.png", fullPage: true });

  await page.click("button[data-view=audience]");
  await page.fill("#where", where || "frequency >= 2");
  await page.waitForSelector("#aerr .error, #arows table", { timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(600);
  const count = (await page.$eval("#acount", (e) => e.textContent)).replace(/[,\s]/g, "");
  const aerr = await page.$eval("#aerr", (e) => e.innerText);
  if (expected !== undefined && expected !== "" && count !== expected)
    problems.push(`audience count ${count}, CLI says ${expected} (${aerr})`);
  if ((expected === undefined || expected === "") && !aerr) problems.push("audience builder shows no answer");
  await page.screenshot({ path: shot + "_audience.png", fullPage: true });

  if (process.env.EXPERIMENT) { /* verdicts per arm and metric, and per rule, as the CLI gives them */
    await page.click("button[data-view=experiments]");
    await page.fill("#ename", process.env.EXPERIMENT);
    await page.fill("#estart", process.env.EXP_START);
    await page.fill("#ewindow", "30");
    await page.click("#ego");
    await page.waitForSelector("#eout table.results, #eout .error", { timeout: 20000 });
    const verdicts = await page.$$eval("#eout table.results .verdict", (els) =>
      els.map((e) => e.className.replace("verdict v-", "")));
    if (verdicts.join(",") !== process.env.EXP_VERDICTS)
      problems.push(`experiment verdicts ${verdicts.join(",")}, CLI says ${process.env.EXP_VERDICTS}`);
    await page.fill("#rasof", process.env.RULE_ASOF);
    await page.fill("#rwindow", "30");
    await page.click("#rgo");
    await page.waitForSelector("#rout table.rules, #rout .error", { timeout: 20000 });
    const rules = await page.$$eval("#rout table.rules tbody tr", (trs) => trs.map((tr) =>
      tr.children[0].innerText + ":" + tr.querySelector(".verdict").className.replace("verdict v-", "")));
    if (rules.join(",") !== process.env.RULE_VERDICTS)
      problems.push(`rule verdicts ${rules.join(",")}, CLI says ${process.env.RULE_VERDICTS}`);
    await page.screenshot({ path: shot + "_experiments.png", fullPage: true });
    await page.selectOption("#lang", "zh");
    await page.waitForTimeout(300);
    await page.fill("#ename", process.env.EXPERIMENT); /* the view was drawn again */
    await page.fill("#estart", process.env.EXP_START);
    await page.click("#ego");
    await page.waitForSelector("#eout table.results", { timeout: 20000 });
    const head = await page.$eval("#eout table.results thead", (e) => e.innerText);
    if (!head.includes("结论")) problems.push("experiments page: Chinese labels missing");
    await page.screenshot({ path: shot + "_experiments_zh.png", fullPage: true });
    await page.selectOption("#lang", "en");
    await page.waitForTimeout(300);
  }

  for (const v of ["movements", "actions", "experiments"]) {
    await page.click(`button[data-view=${v}]`);
    await page.waitForTimeout(400);
  }
  await page.click("button[data-view=movements]");
  await page.waitForSelector("#mout .chart", { timeout: 10000 });
  await page.waitForTimeout(300);
  const mUndrawn = await undrawnCharts(page);
  if (mUndrawn.length) problems.push("movements chart not drawn");
  await page.selectOption("#lang", "zh");
  await page.waitForTimeout(500);
  const zh = await page.$eval("#tabs", (e) => e.innerText);
  if (!zh.includes("客户流动")) problems.push("Chinese labels missing");
  await page.screenshot({ path: shot + "_movements_zh.png", fullPage: true });
  const cookies = await context.cookies();
  if (cookies.length) problems.push("cookies were set: " + cookies.map((c) => c.name).join(","));
  const real = errors.filter((e) => !/status of (4\d\d|501)/.test(e));
  if (real.length) problems.push("errors: " + real.join(" | "));
  if (dialogs.length) problems.push("dialogs opened (script injection): " + dialogs.join(","));
  await browser.close();
  console.log(`dashboard: ${charts} overview charts, audience count ${count || "-"}; screenshots ${shot}_*.png`);
  if (problems.length) {
    console.log("FAIL: " + problems.join("\nFAIL: "));
    process.exit(1);
  }
}

main().catch((e) => { console.log("FAIL: " + e.stack); process.exit(1); });
