import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The shipped deploy files the observability tests check. */
export const DEPLOY = join(fileURLToPath(new URL("../../../", import.meta.url)), "deploy");

export interface Dashboard {
  panels: Array<{
    title: string;
    type: string;
    datasource?: { type: string; uid: string };
    targets?: Array<{ expr?: string; datasource?: { uid: string } }>;
  }>;
}

export async function readDashboard<T extends Dashboard = Dashboard>(): Promise<T> {
  return JSON.parse(await readFile(join(DEPLOY, "grafana/dashboards/tat-bulk.json"), "utf8")) as T;
}

export async function readYaml<T>(path: string): Promise<T> {
  return parse(await readFile(join(DEPLOY, path), "utf8")) as T;
}
