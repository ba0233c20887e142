// The slow step: turn a few million sales records into a report. Marked with
// "use cache", it runs once; later runs read the report from disk.

export interface Sale {
  region: string;
  product: string;
  units: number;
  price: number;
}

export interface Report {
  rows: number;
  revenue: number;
  byRegion: Map<string, { revenue: number; units: number }>;
  topProducts: Array<[product: string, revenue: number]>;
  medianOrder: number;
  generatedAt: Date;
}

const REGIONS = ["north", "south", "east", "west", "central"];

/** A seeded generator, so every run sees the same data. */
function* sales(count: number, seed: number): Generator<Sale> {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < count; i++) {
    yield {
      region: REGIONS[Math.floor(next() * REGIONS.length)]!,
      product: `sku-${Math.floor(next() * 5000)}`,
      units: 1 + Math.floor(next() * 20),
      price: Math.round(next() * 10_000) / 100,
    };
  }
}

export async function buildReport(rows: number, { seed = 7, top = 5 } = {}): Promise<Report> {
  "use cache";
  const byRegion = new Map<string, { revenue: number; units: number }>();
  const byProduct = new Map<string, number>();
  const orders = new Float64Array(rows);
  let revenue = 0;
  let i = 0;
  for (const sale of sales(rows, seed)) {
    const amount = sale.units * sale.price;
    revenue += amount;
    orders[i++] = amount;
    const region = byRegion.get(sale.region) ?? { revenue: 0, units: 0 };
    region.revenue += amount;
    region.units += sale.units;
    byRegion.set(sale.region, region);
    byProduct.set(sale.product, (byProduct.get(sale.product) ?? 0) + amount);
  }
  orders.sort();
  const topProducts = [...byProduct].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { rows, revenue, byRegion, topProducts, medianOrder: orders[rows >> 1] ?? 0, generatedAt: new Date() };
}
