// Validates a rendered chart (the output of `helm template`) offline against the Kubernetes
// OpenAPI schemas (kubernetes-models) and the prometheus-operator CRD schemas
// (@kubernetes-models/prometheus-operator).
//
//   node validate.mjs rendered.yaml
//
// Prints one JSON object on stdout: {"objects": [...every object, parsed...], "problems": [...]},
// a problem being "Kind/name: where: what". An object whose apiVersion/kind has no schema here
// is a problem too, so nothing the chart renders escapes validation. Exit code 0 whether or not
// there are problems (the caller asserts); 2 when the input cannot be read or parsed.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs RENDERED.yaml");
  process.exit(2);
}

const documents = parseAllDocuments(readFileSync(file, "utf8"));
const objects = [];
const problems = [];
for (const document of documents) {
  if (document.errors.length > 0) {
    console.error(`validate.mjs: ${file} is not valid YAML: ${document.errors.map(e => e.message).join("; ")}`);
    process.exit(2);
  }
  const object = document.toJS();
  if (object !== null && object !== undefined) {
    objects.push(object);
  }
}

// apiVersion "apps/v1" -> kubernetes-models/apps/v1; "v1" -> kubernetes-models/v1;
// "monitoring.coreos.com/v1" -> @kubernetes-models/prometheus-operator/monitoring.coreos.com/v1.
async function modelFor(apiVersion, kind) {
  const module = apiVersion.startsWith("monitoring.coreos.com/")
    ? `@kubernetes-models/prometheus-operator/${apiVersion}`
    : `kubernetes-models/${apiVersion}`;
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

for (const object of objects) {
  const name = `${object?.kind ?? "?"}/${object?.metadata?.name ?? "?"}`;
  if (typeof object !== "object" || !object.apiVersion || !object.kind) {
    problems.push(`${name}: not a Kubernetes object (apiVersion and kind are required)`);
    continue;
  }
  const Model = await modelFor(object.apiVersion, object.kind);
  if (!Model) {
    problems.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    const details = Array.isArray(error.errors)
      ? error.errors.map(e => `${e.instancePath || "/"}: ${e.message}`).join("; ")
      : error.message;
    problems.push(`${name}: ${details}`);
  }
}

process.stdout.write(JSON.stringify({ objects, problems }));
