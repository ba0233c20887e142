import { buildReport } from "./report";

const started = performance.now();
const report = await buildReport(10_000_000, { top: 3 });
const ms = performance.now() - started;

const money = (n: number) => `$${(n / 1e6).toFixed(1)}M`;
console.log(
  `  ${report.rows.toLocaleString("en")} sales, revenue ${money(report.revenue)}, median order $${report.medianOrder.toFixed(2)}`,
);
console.log(`  by region: ${[...report.byRegion].map(([name, r]) => `${name} ${money(r.revenue)}`).join(", ")}`);
console.log(`  top products: ${report.topProducts.map(([sku]) => sku).join(", ")}`);
console.log(`  report computed at ${report.generatedAt.toISOString()}`);
console.log(`TIME ${ms.toFixed(1)}`);
