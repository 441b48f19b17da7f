//! Prints the effective schema — the user's types plus everything fraiseql generates (arguments,
//! filter and ordering inputs, connection types) — as SDL, without fraiseql's own directives.
//! It describes exactly what introspection answers.
use std::fmt::Write;

use crate::schema::meta::is_entry_point;
use crate::schema::{ArgDef, FieldDef, InputField, ObjectRole, Schema};

fn description(out: &mut String, text: Option<&str>, indent: &str) {
    if let Some(d) = text {
        let escaped = d.replace("\"\"\"", "\\\"\"\"");
        let _ = writeln!(out, "{indent}\"\"\"{escaped}\"\"\"");
    }
}

fn args(list: &[ArgDef]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = list
        .iter()
        .map(|a| {
            let mut s = String::new();
            if let Some(d) = &a.description {
                s.push_str(&format!("\"\"\"{}\"\"\" ", d.replace("\"\"\"", "\\\"\"\"")));
            }
            s.push_str(&format!("{}: {}", a.name, a.ty));
            if let Some(default) = &a.default {
                s.push_str(&format!(" = {default}"));
            }
            s
        })
        .collect();
    format!("({})", parts.join(", "))
}

fn fields(out: &mut String, list: &[FieldDef]) {
    for f in list.iter().filter(|f| !is_entry_point(&f.name)) {
        description(out, f.description.as_deref(), "  ");
        let deprecated = match &f.deprecation {
            Some(reason) => format!(
                " @deprecated(reason: {})",
                serde_json::Value::String(reason.clone())
            ),
            None => String::new(),
        };
        let _ = writeln!(out, "  {}{}: {}{deprecated}", f.name, args(&f.args), f.ty);
    }
}

fn input_fields(out: &mut String, list: &[InputField]) {
    for f in list {
        description(out, f.description.as_deref(), "  ");
        let _ = writeln!(out, "  {}: {}", f.name, f.ty);
    }
}

/// The effective schema as SDL.
pub fn effective_sdl(schema: &Schema) -> String {
    let mut out = String::new();
    let default_roots = schema.query_type == "Query"
        && schema
            .mutation_type
            .as_deref()
            .is_none_or(|m| m == "Mutation");
    if !default_roots {
        let mutation = schema
            .mutation_type
            .as_ref()
            .map(|m| format!(" mutation: {m}"))
            .unwrap_or_default();
        let _ = writeln!(out, "schema {{ query: {}{mutation} }}\n", schema.query_type);
    }
    for s in &schema.scalars {
        if crate::schema::BUILTIN_SCALARS.contains(&s.as_str()) {
            continue;
        }
        match super::meta::specified_by(s) {
            Some(url) => {
                let _ = writeln!(out, "scalar {s} @specifiedBy(url: \"{url}\")\n");
            }
            None => {
                let _ = writeln!(out, "scalar {s}\n");
            }
        }
    }
    for e in schema.enums.values().filter(|e| !e.name.starts_with("__")) {
        description(&mut out, e.description.as_deref(), "");
        let _ = writeln!(out, "enum {} {{", e.name);
        for v in &e.values {
            let (desc, deprecation) = e.value_meta.get(v).cloned().unwrap_or_default();
            description(&mut out, desc.as_deref(), "  ");
            let deprecated = deprecation
                .map(|r| format!(" @deprecated(reason: {})", serde_json::Value::String(r)))
                .unwrap_or_default();
            let _ = writeln!(out, "  {v}{deprecated}");
        }
        let _ = writeln!(out, "}}\n");
    }
    for i in schema.inputs.values() {
        description(&mut out, i.description.as_deref(), "");
        let _ = writeln!(out, "input {} {{", i.name);
        input_fields(&mut out, &i.fields);
        let _ = writeln!(out, "}}\n");
    }
    for u in schema.unions.values() {
        description(&mut out, u.description.as_deref(), "");
        match &u.fields {
            Some(list) => {
                let _ = writeln!(out, "interface {} {{", u.name);
                fields(&mut out, list);
                let _ = writeln!(out, "}}\n");
            }
            None => {
                let _ = writeln!(out, "union {} = {}\n", u.name, u.members.join(" | "));
            }
        }
    }
    for t in schema.types.values().filter(|t| t.role != ObjectRole::Meta) {
        description(&mut out, t.description.as_deref(), "");
        let implements = if t.interfaces.is_empty() {
            String::new()
        } else {
            format!(" implements {}", t.interfaces.join(" & "))
        };
        let _ = writeln!(out, "type {}{implements} {{", t.name);
        fields(&mut out, &t.fields);
        let _ = writeln!(out, "}}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_effective_schema_reparses_and_has_generated_parts() {
        let s = crate::Schema::parse(r#""People" type User @view(name: "v_user") { id: ID! name: String @deprecated(reason: "old") } type Query { users: [User!]! }"#).unwrap();
        let sdl = super::effective_sdl(&s);
        assert!(sdl.contains("input UserWhere {"), "{sdl}");
        assert!(
            sdl.contains(
                "users(\"\"\"Only the objects matching this filter.\"\"\" where: UserWhere"
            ),
            "{sdl}"
        );
        assert!(sdl.contains("usersConnection("), "{sdl}");
        assert!(
            sdl.contains("name: String @deprecated(reason: \"old\")"),
            "{sdl}"
        );
        assert!(!sdl.contains("@view") && !sdl.contains("__schema"), "{sdl}");
        graphql_parser::schema::parse_schema::<String>(&sdl).unwrap();
    }
}
