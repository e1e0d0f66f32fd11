import { Counter, Gauge, Histogram } from "prom-client";
import type { ServiceRegistry } from "./service-registry.js";

/** Collects a gauge's value at scrape time. */
type Collect = (this: Gauge) => void | Promise<void>;

/**
 * Declares metrics on one registry, one line each: name, help, label names (a bounded set: never an
 * ID), and buckets or a collect function where they apply.
 */
export function metricFactory(registry: ServiceRegistry) {
  const registers = [registry];
  return {
    counter: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers }),
    /**
     * A counter of one label whose every value is a sample from the start (at 0), so panels and
     * alerts see "none yet" rather than "unknown"; the help lists the values.
     */
    counterOf: <V extends string>(name: string, help: string, label: string, values: readonly V[]) => {
      const counter = new Counter<string>({
        name,
        help: `${help} by ${label}: ${values.join(", ")}.`,
        labelNames: [label],
        registers,
      });
      for (const value of values) counter.inc({ [label]: value }, 0);
      return counter;
    },
    gauge: <L extends string = never>(
      name: string,
      help: string,
      labelNames: readonly L[] = [],
      collect?: Collect,
    ) => new Gauge<L>({ name, help, labelNames, registers, ...(collect ? { collect } : {}) }),
    /** A gauge without labels whose value is read at each scrape. */
    reading: (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      }),
    histogram: <L extends string = never>(
      name: string,
      help: string,
      labelNames: readonly L[],
      buckets: number[],
      options: { exemplars?: boolean } = {},
    ) =>
      new Histogram<L>({
        name,
        help,
        labelNames,
        buckets,
        registers,
        ...(options.exemplars ? { enableExemplars: true } : {}),
      }),
  };
}
