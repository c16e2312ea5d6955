/**
 * The Pulumi CLI's stack-config validation, replayed offline: what `pulumi preview` / `up`
 * check before the program runs. Transcribed from pulumi/pulumi (snapshot of 2026-08-21,
 * commit 1b5949891b3c):
 * - `Project.Validate` and `ValidateConfigValue` (sdk/go/common/workspace/project.go);
 * - `ValidateStackConfigAndApplyProjectConfig` = `mergeConfig` + `validateStackConfigValues`
 *   + `validateStackConfigValue` (pkg/workspace/config.go): a project key with neither
 *   `default` nor `value` missing from the stack is required; defaults are merged in as plain
 *   values; every typed key is then checked (a `secret: true` key must be `secure:` — its
 *   default too, which is plain — and values must match their type);
 * - how a stack file's YAML becomes config values (sdk/go/common/resource/config/object.go,
 *   `unmarshalObject` / `MarshalString`): scalars become strings, `{secure: ...}` a secure
 *   value, lists and maps a JSON object value.
 * Not modelled: ESC environments, nested secure values inside objects, path keys.
 */

/** A project config key's declaration (Pulumi.yaml `config:` entry). */
export interface ProjectConfigType {
  type?: string;
  description?: string;
  items?: ItemsType;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

/** `items` of an array type. */
export interface ItemsType {
  type: string;
  items?: ItemsType;
}

/** A project: its name and declared config. */
export interface ProjectSpec {
  name: string;
  config?: Record<string, ProjectConfigType>;
}

/** A config value as the CLI holds it (config.Value): text, secure, object (JSON text). */
export interface StackValue {
  text: string;
  secure: boolean;
  object: boolean;
}

/** config.Value from one YAML value of a stack file (unmarshalObject + MarshalString). */
export function stackValueFromYaml(v: unknown): StackValue {
  if (typeof v === "string") return { text: v, secure: false, object: false };
  if (typeof v === "number" || typeof v === "boolean")
    return { text: JSON.stringify(v), secure: false, object: false };
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const secure = (v as Record<string, unknown>).secure;
    if (keys.length === 1 && typeof secure === "string")
      return { text: secure, secure: true, object: false };
  }
  return { text: JSON.stringify(v ?? null), secure: false, object: true };
}

/** createConfigValue (pkg/workspace/config.go): how a project default enters the stack. */
export function configValueFromDefault(v: unknown): StackValue {
  const primitive = typeof v === "string" || typeof v === "boolean" || Number.isInteger(v);
  return primitive
    ? { text: String(v), secure: false, object: false }
    : { text: JSON.stringify(v), secure: false, object: true };
}

/** InferFullTypeName (project.go). */
export function fullTypeName(type: string, items?: ItemsType): string {
  return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

/** ValidateConfigValue (project.go). */
export function validateConfigValue(
  type: string,
  items: ItemsType | undefined,
  v: unknown,
): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "integer":
      if (typeof v === "number") return Number.isInteger(v);
      // strconv.Atoi: optional sign, decimal digits, within int64.
      return typeof v === "string" && /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) < 2 ** 63;
    case "boolean":
      return v === "true" || v === "false" || typeof v === "boolean";
    case "object":
      return !!v && typeof v === "object" && !Array.isArray(v);
    default:
      if (!Array.isArray(v) || !items) return false;
      return v.every((x) => validateConfigValue(items.type, items.items, x));
  }
}

/** parseConfigKey (config.go) + config.ParseKey: `ns:name` or `ns:config:name`. */
function parseKey(project: string, key: string): { namespace: string; name: string } {
  if (!key.includes(":")) return { namespace: project, name: key };
  const parts = key.split(":");
  if (parts.length === 2) return { namespace: parts[0] as string, name: parts[1] as string };
  if (parts.length === 3 && parts[1] === "config")
    return { namespace: parts[0] as string, name: parts[2] as string };
  throw new Error(
    `could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
  );
}

/** Project.Validate (project.go): the checks on Pulumi.yaml's config block. */
export function validateProject(project: ProjectSpec): void {
  for (const [key, t] of Object.entries(project.config ?? {})) {
    if (t.default !== undefined && t.value !== undefined)
      throw new Error(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    const namespaced = !key.includes(":") || key.startsWith(`${project.name}:`);
    if (namespaced) {
      if (t.type === "array" && !t.items)
        throw new Error(
          `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
        );
      if (
        t.type !== undefined &&
        t.default !== undefined &&
        !validateConfigValue(t.type, t.items, t.default)
      )
        throw new Error(
          `The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(t.type, t.items)}'`,
        );
    } else {
      if (t.type !== undefined)
        throw new Error(
          `Configuration key '${key}' is not namespaced by the project and should not define a type`,
        );
      if (t.default !== undefined)
        throw new Error(
          `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
        );
      if (t.value === undefined)
        throw new Error(
          `Configuration key '${key}' is namespaced and must provide an attribute 'value'`,
        );
    }
  }
}

/** formatMissingKeys (config.go). */
export function formatMissingKeys(keys: string[]): string {
  if (keys.length === 1) return `'${keys[0]}'`;
  const sorted = [...keys].sort();
  const last = sorted.pop() as string;
  return `${sorted.map((k) => `'${k}'`).join(", ")} and '${last}'`;
}

/**
 * ValidateStackConfigAndApplyProjectConfig: validates a stack file's `config:` map (raw YAML
 * values) against the project and returns the merged config (full key -> value), or throws
 * the CLI's error. `decrypt` stands in for the stack's secrets provider.
 */
export function validateStackConfig(
  stackName: string,
  project: ProjectSpec,
  stackYamlConfig: Record<string, unknown>,
  decrypt: (ciphertext: string) => string = (c) => c,
): Record<string, StackValue> {
  const merged: Record<string, StackValue> = {};
  for (const [k, v] of Object.entries(stackYamlConfig)) {
    const key = parseKey(project.name, k);
    merged[`${key.namespace}:${key.name}`] = stackValueFromYaml(v);
  }
  const declared = Object.keys(project.config ?? {}).sort();
  const missing: string[] = [];
  for (const projectKey of declared) {
    const t = (project.config ?? {})[projectKey] as ProjectConfigType;
    const key = parseKey(project.name, projectKey);
    const full = `${key.namespace}:${key.name}`;
    const found = full in merged;
    const hasDefault = t.default !== undefined && t.default !== null;
    const hasValue = t.value !== undefined && t.value !== null;
    if (!found && !hasValue && !hasDefault && key.namespace === project.name) {
      missing.push(projectKey);
      continue;
    }
    if (!found && (hasValue || hasDefault))
      merged[full] = configValueFromDefault(hasDefault ? t.default : t.value);
  }
  if (missing.length > 0)
    throw new Error(
      `Stack '${stackName}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${formatMissingKeys(missing)}`,
    );
  for (const projectKey of declared) {
    const t = (project.config ?? {})[projectKey] as ProjectConfigType;
    if (t.type === undefined) continue;
    const key = parseKey(project.name, projectKey);
    const value = merged[`${key.namespace}:${key.name}`] ?? {
      text: "",
      secure: false,
      object: false,
    };
    if (t.secret && !value.secure)
      throw new Error(
        `Stack '${stackName}' with configuration key '${projectKey}' must be encrypted as it's secret`,
      );
    const text = value.secure ? decrypt(value.text) : value.text;
    const content: unknown = value.object ? JSON.parse(text) : text;
    if (!validateConfigValue(t.type, t.items, content))
      throw new Error(
        `Stack '${stackName}' with configuration key '${projectKey}' must be of type '${fullTypeName(t.type, t.items)}'`,
      );
  }
  return merged;
}
