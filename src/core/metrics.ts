/**
 * Process-wide counters rendered in Prometheus' text format by `GET /metrics`. Gauges that are
 * read from the database at scrape time live in the route; these count things that happen.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export interface Counter {
  inc(labels?: Readonly<Record<string, string>>, by?: number): void;
  value(labels?: Readonly<Record<string, string>>): number;
}

export interface Metrics {
  /** Returns the counter of that name, creating it on first use. */
  counter(name: string, help: string): Counter;
  /** Every counter in the exposition format, one line per labelled series. */
  render(): string[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function seriesKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return "";
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

export function createMetrics(): Metrics {
  const counters = new Map<string, { help: string; series: Map<string, number>; counter: Counter }>();
  return {
    counter(name, help) {
      const existing = counters.get(name);
      if (existing) return existing.counter;
      const series = new Map<string, number>();
      const counter: Counter = {
        inc(labels, by = 1) {
          const key = seriesKey(labels);
          series.set(key, (series.get(key) ?? 0) + by);
        },
        value(labels) {
          return series.get(seriesKey(labels)) ?? 0;
        },
      };
      counters.set(name, { help, series, counter });
      return counter;
    },
    render() {
      const lines: string[] = [];
      for (const [name, { help, series }] of counters) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
        // A counter nobody incremented yet still shows 0, so alerts can be written against it.
        if (series.size === 0) lines.push(`${name} 0`);
        for (const [key, value] of series) lines.push(`${name}${key} ${value}`);
      }
      return lines;
    },
  };
}
