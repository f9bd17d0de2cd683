import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { parse as parseYaml } from "yaml";

// Validates a response body against the response schema an OpenAPI document publishes for an operation.
// The vendored specs (server/simulators/specs) are the truth for what providers answer, so simulators'
// responses are checked against them — not against our connectors' expectations.
//
// API (kept stable — other tests import it):
//   validateResponse(specFile, method, path, status, body) → string[] of problems ([] = valid)
// - specFile: a file name in server/simulators/specs (e.g. "attio.openapi.json") or an absolute path;
//   JSON or YAML.
// - path: the spec's path template ("/v2/objects/{object}/records/query") or a concrete request path
//   ("/v2/objects/companies/records/query"); a query string is ignored.
// - status: the response's HTTP status; falls back to "2XX"-style ranges, then "default".
// $refs are resolved (components.schemas via Ajv, components.responses by hand); OpenAPI 3.0
// `nullable: true` becomes a JSON Schema null type; 3.1 type arrays are JSON Schema already.

const SPECS_DIR = path.resolve(import.meta.dirname, "../../server/simulators/specs");

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Spec = { openapi?: string; servers?: { url?: string }[]; paths?: Record<string, Obj>; components?: Record<string, Record<string, Obj>> };

const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

// Ajv 8 (draft 2020-12) is the one ajv-formats depends on; the top-level node_modules/ajv is eslint's Ajv 6,
// which has no 2020-12 dialect. Resolving Ajv from ajv-formats' own location picks the right major
// without adding a dependency; the few types we use are declared here because the hoisted typings are v6's.
type ValidateFunction = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null };
type Ajv2020 = { addSchema(s: object): unknown; addFormat(name: string, f: boolean): unknown; compile(s: object): ValidateFunction };
const requireFromFormats = createRequire(createRequire(import.meta.url).resolve("ajv-formats"));
const Ajv2020Ctor = (requireFromFormats("ajv/dist/2020") as { default: new (opts: object) => Ajv2020 }).default;
const addFormats = (requireFromFormats("ajv-formats") as { default: (ajv: Ajv2020) => Ajv2020 }).default;

/** OpenAPI 3.0 schema dialect → JSON Schema 2020-12 (deep copy). 3.1 documents pass through unchanged except $refs. */
function toJsonSchema(node: Json, v30: boolean, refBase: string): Json {
  if (Array.isArray(node)) return node.map((x) => toJsonSchema(x, v30, refBase));
  if (!isObj(node)) return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")) out[k] = `${refBase}#/$defs/${v.slice("#/components/schemas/".length)}`;
    // `properties`/`$defs` map names to schemas: a property called "nullable" or "example" is not a keyword.
    else if (k === "properties" || k === "patternProperties" || k === "$defs") out[k] = isObj(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s, v30, refBase)])) : v;
    else if (k === "example" || (k === "examples" && v30)) continue; // annotations; 3.0 "examples" is not JSON Schema's array form
    else out[k] = toJsonSchema(v, v30, refBase);
  }
  if (v30) {
    // 3.0's draft-4 style boolean exclusive bounds.
    for (const [ex, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
      if (typeof out[ex] === "boolean") {
        if (out[ex] === true && typeof out[bound] === "number") { out[ex] = out[bound]; delete out[bound]; }
        else delete out[ex];
      }
    }
    if (out.nullable === true) {
      delete out.nullable;
      if (typeof out.type === "string" && !("$ref" in out) && !("allOf" in out) && !("oneOf" in out) && !("anyOf" in out)) {
        out.type = [out.type, "null"];
        if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      } else {
        return { anyOf: [out, { type: "null" }] };
      }
    } else delete out.nullable;
  }
  return out;
}

type Loaded = { spec: Spec; ajv: Ajv2020; id: string; cache: Map<string, ValidateFunction> };
const loaded = new Map<string, Loaded>();

function load(specFile: string): Loaded {
  const file = path.isAbsolute(specFile) ? specFile : path.join(SPECS_DIR, specFile);
  const hit = loaded.get(file);
  if (hit) return hit;
  const text = fs.readFileSync(file, "utf8");
  const spec = (/\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)) as Spec;
  const v30 = /^3\.0/.test(spec.openapi ?? "");
  const id = `openapi:${path.basename(file)}`;
  const ajv = new Ajv2020Ctor({ strict: false, allErrors: true, logger: false, validateSchema: false });
  addFormats(ajv);
  // OpenAPI's own format names, which describe encodings rather than constrain strings/numbers.
  for (const f of ["int32", "int64", "float", "double", "byte", "binary", "password", "decimal"]) ajv.addFormat(f, true);
  ajv.addSchema({ $id: id, $defs: toJsonSchema((spec.components?.schemas ?? {}) as Json, v30, id) } as object);
  const l: Loaded = { spec, ajv, id, cache: new Map() };
  loaded.set(file, l);
  return l;
}

const deref = (spec: Spec, x: Json | undefined): Json | undefined => {
  let cur = x;
  for (let i = 0; i < 10 && isObj(cur) && typeof cur.$ref === "string"; i++) {
    const parts = cur.$ref.replace(/^#\//, "").split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    let t: unknown = spec;
    for (const p of parts) t = isObj(t) ? t[p] : undefined;
    cur = t as Json | undefined;
  }
  return cur;
};

function findPath(spec: Spec, reqPath: string): string | undefined {
  const full = reqPath.split("?")[0]!;
  // Paths are relative to the server URL's path (Loops: https://app.loops.so/api/v1 + /contacts/create).
  const bases = (spec.servers ?? []).map((sv) => { try { return new URL(sv.url ?? "").pathname.replace(/\/$/, ""); } catch { return ""; } }).filter((b) => b && full.startsWith(`${b}/`));
  for (const p of [full, ...bases.map((b) => full.slice(b.length))]) {
    const hit = findTemplate(spec, p);
    if (hit) return hit;
  }
  return undefined;
}

function findTemplate(spec: Spec, p: string): string | undefined {
  const paths = Object.keys(spec.paths ?? {});
  if (paths.includes(p)) return p;
  const norm = (s: string) => s.replace(/\/$/, "");
  // A literal segment beats a parameter ("/contacts/search" before "/contacts/{id}").
  const matches = paths.filter((tpl) => new RegExp(`^${norm(tpl).replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+")}/?$`).test(p));
  matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return matches[0];
}

/** Problems with `body` as the response `status` of `method path` in `specFile`; [] when it validates. */
export function validateResponse(specFile: string, method: string, reqPath: string, status: number, body: unknown): string[] {
  const l = load(specFile);
  const tpl = findPath(l.spec, reqPath);
  const where = `${method.toUpperCase()} ${reqPath} → ${status}`;
  if (!tpl) return [`${where}: no such path in ${path.basename(specFile)}`];
  const op = l.spec.paths![tpl]![method.toLowerCase()];
  if (!isObj(op)) return [`${where}: method not in the spec for ${tpl}`];
  const responses = isObj(op.responses) ? op.responses : {};
  const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, "default"].find((k) => k in responses);
  if (!key) return [`${where}: status not documented for ${method.toUpperCase()} ${tpl} (documented: ${Object.keys(responses).join(", ")})`];
  const response = deref(l.spec, responses[key]);
  const content = isObj(response) && isObj(response.content) ? response.content : undefined;
  if (!content || Object.keys(content).length === 0) {
    const empty = body === undefined || body === null || body === "" || (isObj(body) && Object.keys(body).length === 0);
    return empty ? [] : [`${where}: the spec documents no body for this response`];
  }
  const mediaKey = Object.keys(content).find((k) => /json/i.test(k)) ?? Object.keys(content)[0]!;
  const media = content[mediaKey];
  const schema = isObj(media) ? media.schema : undefined;
  if (schema === undefined) return [];
  const cacheKey = `${method.toLowerCase()} ${tpl} ${key}`;
  let validate = l.cache.get(cacheKey);
  if (!validate) {
    const v30 = /^3\.0/.test(l.spec.openapi ?? "");
    validate = l.ajv.compile(toJsonSchema(schema, v30, l.id) as object);
    l.cache.set(cacheKey, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${method.toUpperCase()} ${tpl} ${key}: ${e.instancePath || "(body)"} ${e.message ?? ""}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""}`);
}
