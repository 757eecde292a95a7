// Regenerates src/api/model/lightsail-inputs.json from botocore's Lightsail
// service model: every operation's input shape and the shapes reachable from
// it (types, required members, enums, numeric bounds), without documentation.
// Usage: node scripts/generate-model.mjs [path/to/lightsail-service-2.json]
import { readFileSync, writeFileSync } from 'node:fs';

const source = process.argv[2] ?? new URL('../../shared/reference/lightsail-service-2.json', import.meta.url);
const model = JSON.parse(readFileSync(source, 'utf8'));
const out = { apiVersion: model.metadata.apiVersion, targetPrefix: model.metadata.targetPrefix, operations: {}, shapes: {} };

function visit(name) {
  if (out.shapes[name]) return;
  const shape = model.shapes[name];
  const slim = { type: shape.type };
  for (const key of ['required', 'enum', 'min', 'max']) if (shape[key] !== undefined) slim[key] = shape[key];
  if (shape.sensitive) slim.sensitive = true;
  out.shapes[name] = slim;
  if (shape.type === 'structure') {
    slim.members = {};
    for (const [member, ref] of Object.entries(shape.members)) {
      slim.members[member] = ref.shape;
      visit(ref.shape);
    }
  } else if (shape.type === 'list') {
    slim.member = shape.member.shape;
    visit(shape.member.shape);
  } else if (shape.type === 'map') {
    slim.key = shape.key.shape;
    slim.value = shape.value.shape;
    visit(shape.key.shape);
    visit(shape.value.shape);
  }
}

for (const [name, op] of Object.entries(model.operations).sort(([a], [b]) => a.localeCompare(b))) {
  out.operations[name] = op.input?.shape ?? null;
  if (op.input) visit(op.input.shape);
}
writeFileSync(new URL('../src/api/model/lightsail-inputs.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`${Object.keys(out.operations).length} operations, ${Object.keys(out.shapes).length} shapes`);
