// fraiseql introspection, checked by graphql-js (the reference implementation):
//   node check.mjs query                  prints getIntrospectionQuery() with every option on
//   node check.mjs verify RESULT SDL EFFECTIVE
//                                         buildClientSchema(RESULT.data) must succeed, validateSchema
//                                         must find nothing, every type and field the SDL declares must
//                                         be in the client schema with the same type, and the client
//                                         schema printed must equal fraiseql.sdl(effective := true) printed.
import { readFileSync } from "node:fs";
import { buildASTSchema, buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, isObjectType, isInputObjectType, isInterfaceType, isEnumType, isUnionType, parse, printSchema, validateSchema } from "graphql";

const [mode, resultFile, sdlFile, effectiveFile] = process.argv.slice(2);
if (mode === "query") {
  process.stdout.write(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
  process.exit(0);
}
const response = JSON.parse(readFileSync(resultFile, "utf8"));
if (response.errors) {
  console.error("introspection returned errors:", JSON.stringify(response.errors));
  process.exit(1);
}
const client = buildClientSchema(response.data);
const problems = validateSchema(client).map((e) => e.message);
// fraiseql knows the scalars UUID, DateTime, Date and JSON without declarations.
let sdl = readFileSync(sdlFile, "utf8");
for (const s of ["UUID", "DateTime", "Date", "JSON"]) if (!new RegExp(`scalar\\s+${s}\\b`).test(sdl)) sdl += `\nscalar ${s}`;
const declared = buildASTSchema(parse(sdl), { assumeValidSDL: true });
for (const type of Object.values(declared.getTypeMap())) {
  if (type.name.startsWith("__")) continue;
  const ours = client.getType(type.name);
  if (!ours) { problems.push(`type ${type.name} is missing`); continue; }
  if (ours.constructor !== type.constructor) problems.push(`type ${type.name} has another kind`);
  if (isObjectType(type)) {
    const want = type.getInterfaces().map((i) => i.name).sort().join(",");
    const got = ours.getInterfaces().map((i) => i.name).sort().join(",");
    if (want !== got) problems.push(`type ${type.name} implements ${got} instead of ${want}`);
  }
  if (isObjectType(type) || isInputObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      const theirs = ours.getFields()[field.name];
      if (!theirs) problems.push(`field ${type.name}.${field.name} is missing`);
      else if (String(theirs.type) !== String(field.type)) problems.push(`field ${type.name}.${field.name}: ${theirs.type} instead of ${field.type}`);
    }
  }
  if (isEnumType(type)) {
    const values = ours.getValues().map((v) => v.name).join(",");
    if (values !== type.getValues().map((v) => v.name).join(",")) problems.push(`enum ${type.name}: ${values}`);
  }
  if (isUnionType(type)) {
    const members = ours.getTypes().map((t) => t.name).sort().join(",");
    if (members !== type.getTypes().map((t) => t.name).sort().join(",")) problems.push(`union ${type.name}: ${members}`);
  }
}
if (problems.length) {
  console.error("introspection check failed:\n  " + problems.join("\n  "));
  process.exit(1);
}
const printed = printSchema(lexicographicSortSchema(client));
const effective = printSchema(lexicographicSortSchema(buildASTSchema(parse(readFileSync(effectiveFile, "utf8")))));
if (printed !== effective) {
  const a = printed.split("\n"), b = effective.split("\n");
  const i = a.findIndex((line, k) => line !== b[k]);
  console.error(`printed client schema differs from fraiseql.sdl(effective := true) at line ${i + 1}:\n  client:   ${a[i]}\n  fraiseql: ${b[i]}`);
  process.exit(1);
}
console.log(`introspection: graphql-js built the schema (${Object.keys(client.getTypeMap()).length} types, ${printed.split("\n").length} lines of SDL), validateSchema found nothing, every declared type and field matches, printSchema equals fraiseql.sdl(effective := true)`);
