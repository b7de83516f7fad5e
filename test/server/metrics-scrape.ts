/**
 * Scrape helpers for the metrics tests: fetch /metrics, parse it with an independent Prometheus
 * text-format parser (parse-prometheus-text-format), and check what the parser is lenient about.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PrometheusFamily, PrometheusSample } from 'parse-prometheus-text-format';

export class Scrape {
  constructor(readonly families: PrometheusFamily[]) {}

  family(name: string): PrometheusFamily | undefined {
    return this.families.find((f) => f.name === name);
  }

  /** A counter's or gauge's sample with exactly these labels; 0 when absent (a labelled counter never incremented has no sample). */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.#sample(name, labels);
    return sample?.value === undefined ? 0 : Number(sample.value);
  }

  /** How many observations a histogram has with these labels (0 when none). */
  histogramCount(name: string, labels: Record<string, string> = {}): number {
    const sample = this.#sample(name, labels);
    return sample?.count === undefined ? 0 : Number(sample.count);
  }

  /** Label sets present for a metric. */
  labels(name: string): Array<Record<string, string>> {
    return (this.family(name)?.metrics ?? []).map((m) => m.labels ?? {});
  }

  #sample(name: string, labels: Record<string, string>): PrometheusSample | undefined {
    return this.family(name)?.metrics.find((m) => sameLabels(m.labels ?? {}, labels));
  }
}

/** Parse an exposition; throws on anything the parser accepts but Prometheus would not. */
export function parseExposition(text: string): Scrape {
  // parse-prometheus-text-format 1.1.1 folds a histogram's label sets into one sample (its issue #13):
  // refuse them here rather than read wrong numbers; ours are unlabelled by design.
  const labelledBucket = /^\w+_bucket\{(?:[^}]*,)?(?!le=)\w+=/m.exec(text);
  if (labelledBucket !== null) throw new Error(`labelled histogram, which the parser cannot read: ${labelledBucket[0]}`);
  const families = parsePrometheusTextFormat(text);
  for (const family of families) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(family.name)) throw new Error(`bad metric name ${family.name}`);
    if (family.type === 'UNTYPED') throw new Error(`${family.name} has no # TYPE line`);
    if (family.help === '') throw new Error(`${family.name} has no # HELP line`);
    for (const sample of family.metrics) checkSample(family, sample);
  }
  return new Scrape(families);
}

function checkSample(family: PrometheusFamily, sample: PrometheusSample): void {
  const numbers = family.type === 'HISTOGRAM'
    ? [...Object.values(sample.buckets ?? {}), sample.count, sample.sum]
    : [sample.value];
  for (const text of numbers) {
    if (text === undefined || Number.isNaN(Number(text))) throw new Error(`${family.name}: sample ${JSON.stringify(sample)} is not numeric`);
  }
  if (sample.timestamp_ms !== undefined) throw new Error(`${family.name}: unexpected timestamp (a malformed line?) in ${JSON.stringify(sample)}`);
  if (family.type === 'HISTOGRAM' && sample.buckets?.['+Inf'] !== sample.count) throw new Error(`${family.name}: +Inf bucket differs from _count`);
  if (family.type === 'COUNTER' && Number(sample.value) < 0) throw new Error(`${family.name}: negative counter`);
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export async function scrape(url: string, token: string): Promise<Scrape> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`);
  return parseExposition(await response.text());
}
