//! Reading SDL: each definition, with fraiseql's directives, into the schema model. Problems are
//! collected with their lines; the checks across types come after (`checks.rs`).
use std::collections::BTreeMap;

use graphql_parser::schema as sdl;

use super::{
    is_sql_name, ArgDef, Discriminator, EnumType, FieldDef, InputField, InputRole, InputType,
    ObjectRole, ObjectType, RelationDef, Schema, SchemaError, Source, TypeRef, UnionType,
    BUILTIN_SCALARS, DIRECTIVES, KNOWN_SCALARS,
};
use crate::names::{did_you_mean, snake_case};

/// The definitions of `text`, read into a schema (not yet checked across types).
pub(super) fn read(text: &str) -> Result<Schema, Vec<SchemaError>> {
    let doc = sdl::parse_schema::<String>(text).map_err(|e| vec![parse_error(&e.to_string())])?;
    let mut errors = Vec::new();
    let mut schema = Schema {
        types: BTreeMap::new(),
        enums: BTreeMap::new(),
        inputs: BTreeMap::new(),
        unions: BTreeMap::new(),
        mutation_type: None,
        bound_functions: BTreeMap::new(),
        scalars: BUILTIN_SCALARS
            .iter()
            .chain(KNOWN_SCALARS.iter())
            .map(|s| s.to_string())
            .collect(),
        query_type: "Query".to_string(),
        sdl: text.to_string(),
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut define = |name: &str, pos: graphql_parser::Pos, errors: &mut Vec<SchemaError>| {
        if let Some(line) = seen.insert(name.to_string(), pos.line) {
            errors.push(err(
                pos,
                format!("Type \"{name}\" is defined twice (first on line {line})."),
            ));
        }
    };
    for def in &doc.definitions {
        match def {
            sdl::Definition::SchemaDefinition(s) => {
                if let Some(q) = &s.query {
                    schema.query_type = q.clone();
                }
                schema.mutation_type = s.mutation.clone();
                if s.subscription.is_some() {
                    errors.push(err(s.position, "Subscriptions are not supported by fraiseql."));
                }
            }
            sdl::Definition::TypeDefinition(t) => match t {
                sdl::TypeDefinition::Object(o) => {
                    define(&o.name, o.position, &mut errors);
                    let obj = read_object(o, &mut errors);
                    schema.types.insert(obj.name.clone(), obj);
                }
                sdl::TypeDefinition::Scalar(s) => {
                    define(&s.name, s.position, &mut errors);
                    for d in &s.directives {
                        check_directive(d, "a scalar", &[], &mut errors);
                    }
                    schema.scalars.insert(s.name.clone());
                }
                sdl::TypeDefinition::Enum(e) => {
                    define(&e.name, e.position, &mut errors);
                    schema.enums.insert(e.name.clone(), read_enum(e, &mut errors));
                }
                sdl::TypeDefinition::Interface(i) => {
                    define(&i.name, i.position, &mut errors);
                    schema.unions.insert(i.name.clone(), read_interface(i, &mut errors));
                }
                sdl::TypeDefinition::Union(u) => {
                    define(&u.name, u.position, &mut errors);
                    schema.unions.insert(u.name.clone(), read_union(u, &mut errors));
                }
                sdl::TypeDefinition::InputObject(i) => {
                    define(&i.name, i.position, &mut errors);
                    schema.inputs.insert(i.name.clone(), read_input(i, &mut errors));
                }
            },
            sdl::Definition::TypeExtension(_) => errors.push(SchemaError { line: 0, column: 0, message: "Type extensions (`extend type`) are not supported; write the whole type.".into() }),
            sdl::Definition::DirectiveDefinition(d) => errors.push(err(d.position, format!("Directive definitions are not accepted: \"@{}\" is not one of fraiseql's directives ({}).", d.name, DIRECTIVES.map(|d| format!("@{d}")).join(", ")))),
        }
    }
    if errors.is_empty() {
        Ok(schema)
    } else {
        Err(errors)
    }
}

fn read_enum(e: &sdl::EnumType<'_, String>, errors: &mut Vec<SchemaError>) -> EnumType {
    for d in &e.directives {
        check_directive(d, "an enum", &[], errors);
    }
    let values = e.values.iter().map(|v| v.name.clone()).collect();
    let mut value_meta = BTreeMap::new();
    let mut stored = BTreeMap::new();
    for v in &e.values {
        let mut deprecation = None;
        for d in &v.directives {
            check_directive(d, "an enum value", &["deprecated", "stored"], errors);
            if d.name == "deprecated" {
                deprecation =
                    Some(string_arg(d, "reason").unwrap_or_else(|| "No longer supported".into()));
            }
            if let Some(value) = (d.name == "stored")
                .then(|| string_arg(d, "value"))
                .flatten()
            {
                stored.insert(v.name.clone(), value);
            }
        }
        value_meta.insert(v.name.clone(), (v.description.clone(), deprecation));
    }
    EnumType {
        name: e.name.clone(),
        description: e.description.clone(),
        values,
        value_meta,
        stored,
    }
}

/// `@discriminator(key: "…", map: "value=Type, …")`: the key and the (value, type) pairs.
fn discriminator(d: &sdl::Directive<'_, String>) -> Option<Discriminator> {
    let values = string_arg(d, "map")
        .unwrap_or_default()
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(v, t)| (v.trim().to_string(), t.trim().to_string()))
        .collect();
    string_arg(d, "key").map(|key| Discriminator { key, values })
}

/// An interface is kept as an abstract type (a union whose members are its implementations, linked
/// later) with its own fields.
fn read_interface(i: &sdl::InterfaceType<'_, String>, errors: &mut Vec<SchemaError>) -> UnionType {
    let mut found = None;
    for d in &i.directives {
        check_directive(d, "an interface", &["discriminator"], errors);
        if d.name == "discriminator" {
            found = discriminator(d);
        }
    }
    let as_object = sdl::ObjectType {
        position: i.position,
        description: i.description.clone(),
        name: i.name.clone(),
        implements_interfaces: vec![],
        directives: vec![],
        fields: i.fields.clone(),
    };
    let fields = read_object(&as_object, errors).fields;
    UnionType {
        name: i.name.clone(),
        description: i.description.clone(),
        members: vec![],
        line: i.position.line,
        discriminator: found,
        fields: Some(fields),
    }
}

fn read_union(u: &sdl::UnionType<'_, String>, errors: &mut Vec<SchemaError>) -> UnionType {
    let mut found = None;
    for d in &u.directives {
        check_directive(d, "a union", &["discriminator"], errors);
        if d.name == "discriminator" {
            found = discriminator(d);
            for (_, t) in found.iter().flat_map(|f| &f.values) {
                if !u.types.contains(t) {
                    errors.push(err(d.position, format!("@discriminator(map:) of union \"{}\" names \"{t}\", which is not a member.", u.name)));
                }
            }
        }
    }
    UnionType {
        name: u.name.clone(),
        description: u.description.clone(),
        members: u.types.clone(),
        line: u.position.line,
        discriminator: found,
        fields: None,
    }
}

fn read_input(i: &sdl::InputObjectType<'_, String>, errors: &mut Vec<SchemaError>) -> InputType {
    for d in &i.directives {
        check_directive(d, "an input type", &[], errors);
    }
    let fields = i
        .fields
        .iter()
        .map(|f| InputField {
            name: f.name.clone(),
            ty: TypeRef::from_ast(&f.value_type),
            description: f.description.clone(),
        })
        .collect();
    InputType {
        name: i.name.clone(),
        description: i.description.clone(),
        fields,
        role: InputRole::User,
    }
}

/// A directive argument naming a view or function, refused (with the line) unless it is a name
/// Postgres can parse: otherwise looking it up would fail with a Postgres syntax error instead.
fn name_arg(
    d: &sdl::Directive<'_, String>,
    arg: &str,
    errors: &mut Vec<SchemaError>,
) -> Option<String> {
    let name = string_arg(d, arg)?;
    if is_sql_name(&name) {
        return Some(name);
    }
    errors.push(err(
        d.position,
        format!("@{}({arg}: \"{name}\") is not a valid SQL name: write name or schema.name (letters, digits, _ and $, or double-quoted parts).", d.name),
    ));
    None
}

fn string_arg(d: &sdl::Directive<'_, String>, arg: &str) -> Option<String> {
    d.arguments
        .iter()
        .find(|(n, _)| n == arg)
        .and_then(|(_, v)| match v {
            sdl::Value::String(s) => Some(s.clone()),
            _ => None,
        })
}

/// Checks a directive's name and its arguments: `allowed` lists (argument, required).
fn check_directive(
    d: &sdl::Directive<'_, String>,
    location: &str,
    allowed_here: &[&str],
    errors: &mut Vec<SchemaError>,
) {
    if !DIRECTIVES.contains(&d.name.as_str()) {
        let hint = did_you_mean(&d.name, DIRECTIVES).replace(" \"", " \"@");
        errors.push(err(
            d.position,
            format!("Unknown directive \"@{}\".{hint}", d.name),
        ));
        return;
    }
    if !allowed_here.contains(&d.name.as_str()) {
        errors.push(err(
            d.position,
            format!("Directive \"@{}\" may not be used on {location}.", d.name),
        ));
        return;
    }
    let (args, required): (&[&str], &[&str]) = match d.name.as_str() {
        "view" => (&["name"], &["name"]),
        "field" => (&["key"], &["key"]),
        "relation" => (&["view", "on"], &["view", "on"]),
        "function" => (&["name"], &["name"]),
        "discriminator" => (&["key", "map"], &["key"]),
        "stored" => (&["value"], &["value"]),
        _ => (&["reason"], &[]),
    };
    for (name, value) in &d.arguments {
        if !args.contains(&name.as_str()) {
            errors.push(err(
                d.position,
                format!(
                    "Unknown argument \"{name}\" on directive \"@{}\"; it takes {}.",
                    d.name,
                    args.join(", ")
                ),
            ));
        } else if !matches!(value, sdl::Value::String(_)) {
            errors.push(err(
                d.position,
                format!("Argument \"{name}\" of \"@{}\" must be a string.", d.name),
            ));
        }
    }
    for arg in required {
        if string_arg(d, arg).is_none() {
            errors.push(err(
                d.position,
                format!(
                    "Directive \"@{}\" needs the argument {arg}: String!.",
                    d.name
                ),
            ));
        }
    }
}

fn read_object(o: &sdl::ObjectType<'_, String>, errors: &mut Vec<SchemaError>) -> ObjectType {
    let mut source = None;
    for d in &o.directives {
        check_directive(d, "an object type", &["view"], errors);
        if d.name == "view" {
            if let Some(view) = name_arg(d, "name", errors) {
                source = Some(Source {
                    view,
                    relation: None,
                });
            }
        }
    }
    let mut fields: Vec<FieldDef> = Vec::new();
    for f in &o.fields {
        if f.name.starts_with("__") {
            errors.push(err(
                f.position,
                format!(
                    "Field \"{}.{}\": names starting with \"__\" are reserved for introspection.",
                    o.name, f.name
                ),
            ));
        }
        if fields.iter().any(|x| x.name == f.name) {
            errors.push(err(
                f.position,
                format!("Field \"{}.{}\" is defined twice.", o.name, f.name),
            ));
        }
        fields.push(read_field(o, f, errors));
    }
    if fields.is_empty() {
        errors.push(err(
            o.position,
            format!("Type \"{}\" has no fields.", o.name),
        ));
    }
    ObjectType {
        name: o.name.clone(),
        description: o.description.clone(),
        source,
        fields,
        line: o.position.line,
        role: ObjectRole::Plain,
        interfaces: o.implements_interfaces.clone(),
    }
}

/// One field of an object type with its directives: `@field(key:)`, `@deprecated`, `@view`,
/// `@relation`, `@function`.
fn read_field(
    o: &sdl::ObjectType<'_, String>,
    f: &sdl::Field<'_, String>,
    errors: &mut Vec<SchemaError>,
) -> FieldDef {
    let mut key = snake_case(&f.name);
    let mut deprecation = None;
    let mut field_source = None;
    let mut relation = None;
    let mut function = None;
    for d in &f.directives {
        check_directive(
            d,
            "a field",
            &["field", "deprecated", "view", "relation", "function"],
            errors,
        );
        if d.name == "function" {
            function = name_arg(d, "name", errors);
        }
        if d.name == "relation" {
            if let (Some(view), Some(on)) = (name_arg(d, "view", errors), string_arg(d, "on")) {
                match parse_on(&on) {
                    Some((remote, local)) => relation = Some(RelationDef { source: Source { view, relation: None }, remote, local }),
                    None => errors.push(err(d.position, format!("@relation(on: \"{on}\") must read \"<column of {view}> = <column of {}>\", e.g. \"author_id = id\".", o.name))),
                }
            }
        }
        match d.name.as_str() {
            "field" => key = string_arg(d, "key").unwrap_or(key),
            "view" => {
                field_source = name_arg(d, "name", errors).map(|view| Source {
                    view,
                    relation: None,
                })
            }
            "deprecated" => {
                deprecation =
                    Some(string_arg(d, "reason").unwrap_or_else(|| "No longer supported".into()))
            }
            _ => {}
        }
    }
    let args = f.arguments.iter().map(ArgDef::from_ast).collect();
    FieldDef {
        name: f.name.clone(),
        description: f.description.clone(),
        ty: TypeRef::from_ast(&f.field_type),
        key,
        args,
        root: None,
        source: field_source,
        relation,
        function,
        deprecation,
        line: f.position.line,
        aggregates: None,
    }
}

/// `"author_id = id"` → ("author_id", "id"): plain column names only.
fn parse_on(on: &str) -> Option<(String, String)> {
    let (l, r) = on.split_once('=')?;
    let ok = |c: &str| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
    let (l, r) = (l.trim(), r.trim());
    (ok(l) && ok(r)).then(|| (l.to_string(), r.to_string()))
}

/// graphql-parser reports `… Parse error at L:C\n<details>`; keep the location and the details.
fn parse_error(text: &str) -> SchemaError {
    let (line, column) = crate::response::parser_error_position(text);
    let detail = text.lines().skip(1).collect::<Vec<_>>().join("; ");
    SchemaError {
        line,
        column,
        message: format!("Syntax error in SDL: {detail}"),
    }
}

fn err(pos: graphql_parser::Pos, message: impl Into<String>) -> SchemaError {
    SchemaError {
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}
