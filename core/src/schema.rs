//! The schema model: GraphQL SDL with fraiseql's directives, read into types bound to views.
//! Pure: the database facts it needs arrive as a [`Catalog`] filled in by the extension.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use graphql_parser::schema as sdl;
use serde::{Deserialize, Serialize};

use crate::names::{did_you_mean, quote_ident, snake_case};

pub const BUILTIN_SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];
/// Custom scalars every schema knows without declaring them.
pub const KNOWN_SCALARS: [&str; 4] = ["UUID", "DateTime", "Date", "JSON"];
/// The directives `load_schema` understands; any other is an error.
pub const DIRECTIVES: [&str; 7] = [
    "view",
    "field",
    "relation",
    "function",
    "discriminator",
    "stored",
    "deprecated",
];

/// A GraphQL type reference: `User`, `[User!]!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    pub fn from_ast(t: &sdl::Type<'_, String>) -> TypeRef {
        match t {
            sdl::Type::NamedType(n) => TypeRef::Named(n.clone()),
            sdl::Type::ListType(inner) => TypeRef::List(Box::new(TypeRef::from_ast(inner))),
            sdl::Type::NonNullType(inner) => TypeRef::NonNull(Box::new(TypeRef::from_ast(inner))),
        }
    }

    /// The innermost named type.
    pub fn named(&self) -> &str {
        match self {
            TypeRef::Named(n) => n,
            TypeRef::List(t) | TypeRef::NonNull(t) => t.named(),
        }
    }

    /// The type without its outer non-null marker.
    pub fn nullable(&self) -> &TypeRef {
        match self {
            TypeRef::NonNull(t) => t,
            other => other,
        }
    }

    pub fn is_non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }

    pub fn is_list(&self) -> bool {
        matches!(self.nullable(), TypeRef::List(_))
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Named(n) => write!(f, "{n}"),
            TypeRef::List(t) => write!(f, "[{t}]"),
            TypeRef::NonNull(t) => write!(f, "{t}!"),
        }
    }
}

/// How a root `Query` field reads its view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// `users(limit:, offset:)`: a list of rows.
    List,
    /// `user(id:)`: one row by its id.
    ById,
    /// `usersConnection(first:, after:, last:, before:)`: a Relay connection over the rows.
    Connection,
}

/// A field read by joining another view: `@relation(view: "v_post", on: "author_id = id")`
/// means rows of `v_post` whose column `author_id` equals this object's `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationDef {
    pub source: Source,
    /// The joined view's column.
    pub remote: String,
    /// This object's column (or, for an embedded object, its JSONB key).
    pub local: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArgDef {
    pub name: String,
    pub ty: TypeRef,
    pub description: Option<String>,
    /// The default value as GraphQL source text (introspection's `defaultValue`).
    pub default: Option<String>,
}

impl ArgDef {
    /// An argument as the SDL declares it.
    pub fn from_ast(a: &sdl::InputValue<'_, String>) -> ArgDef {
        ArgDef {
            name: a.name.clone(),
            ty: TypeRef::from_ast(&a.value_type),
            description: a.description.clone(),
            default: a.default_value.as_ref().map(ToString::to_string),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub name: String,
    pub description: Option<String>,
    pub ty: TypeRef,
    /// The key read from the parent's JSONB (`createdAt` → `created_at`, or `@field(key:)`).
    pub key: String,
    pub args: Vec<ArgDef>,
    pub root: Option<RootKind>,
    /// A root field's own `@view`, overriding its type's (e.g. reading a `tv_` table).
    pub source: Option<Source>,
    pub relation: Option<RelationDef>,
    /// A mutation field's SQL function, as written in `@function(name:)`.
    pub function: Option<String>,
    pub deprecation: Option<String>,
    pub line: usize,
}

impl FieldDef {
    /// A field fraiseql defines itself (generated or meta): reads the key of its own name.
    pub fn synthetic(
        name: &str,
        ty: TypeRef,
        description: Option<&str>,
        args: Vec<ArgDef>,
    ) -> FieldDef {
        FieldDef {
            name: name.into(),
            description: description.map(str::to_string),
            ty,
            key: name.into(),
            args,
            root: None,
            source: None,
            relation: None,
            function: None,
            deprecation: None,
            line: 0,
        }
    }

    pub fn arg(&self, name: &str) -> Option<&ArgDef> {
        self.args.iter().find(|a| a.name == name)
    }
}

/// A view (or `tv_` table) in the database, as the catalog described it when the schema was loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub schema: String,
    pub name: String,
    /// Column name → SQL type as `format_type` prints it.
    pub columns: BTreeMap<String, String>,
}

impl Relation {
    /// `"schema"."name"`, ready for SQL text.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    pub fn column_type(&self, column: &str) -> Option<&str> {
        self.columns.get(column).map(String::as_str)
    }
}

/// Database facts `load_schema` gathered: each `@view` name as written → its relation, if found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub relations: BTreeMap<String, Option<Relation>>,
    /// Relations with a `data jsonb` column the user may have meant (for suggestions only).
    #[serde(default)]
    pub candidates: Vec<String>,
    /// Each `@function` name as written → the function taking one jsonb argument, if found.
    #[serde(default)]
    pub functions: BTreeMap<String, Option<Function>>,
}

impl Catalog {
    /// A catalog where each named view has `id uuid` and `data jsonb` (for tests).
    #[cfg(test)]
    pub(crate) fn of_views(views: &[&str]) -> Catalog {
        let mut cat = Catalog::default();
        for v in views {
            let columns = BTreeMap::from([
                ("id".to_string(), "uuid".to_string()),
                ("data".to_string(), "jsonb".to_string()),
            ]);
            cat.relations.insert(
                v.to_string(),
                Some(Relation {
                    schema: "public".into(),
                    name: v.to_string(),
                    columns,
                }),
            );
        }
        cat
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The name given in `@view(name:)`.
    pub view: String,
    pub relation: Option<Relation>,
}

/// What an object type is for: a user's type, or one fraiseql generated for Relay connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectRole {
    Plain,
    Connection {
        node: String,
    },
    Edge {
        node: String,
    },
    PageInfo,
    /// An introspection meta type (`__Schema`, `__Type`, …).
    Meta,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectType {
    pub name: String,
    pub description: Option<String>,
    pub source: Option<Source>,
    pub fields: Vec<FieldDef>,
    pub line: usize,
    pub role: ObjectRole,
    /// The interfaces this type implements.
    pub interfaces: Vec<String>,
}

/// What a generated input type filters or orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputRole {
    /// `UserWhere`: one entry per filterable field of `object`, plus AND/OR/NOT.
    Where { object: String },
    /// `StringFilter`, `IntListFilter`, …: the operators for one scalar (or list of it).
    ScalarFilter { scalar: String, list: bool },
    /// `UserOrderBy`: one entry per orderable field of `object`.
    OrderBy { object: String },
    /// An `input` type written in the SDL (mutation inputs).
    User,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputField {
    pub name: String,
    pub ty: TypeRef,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputType {
    pub name: String,
    pub description: Option<String>,
    pub fields: Vec<InputField>,
    pub role: InputRole,
}

impl InputType {
    pub fn field(&self, name: &str) -> Option<&InputField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl ObjectType {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name.as_str())
    }

    /// The bound relation; present on every type with `@view` once the schema is bound.
    pub fn relation(&self) -> Option<&Relation> {
        self.source.as_ref().and_then(|s| s.relation.as_ref())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    pub name: String,
    pub description: Option<String>,
    pub values: Vec<String>,
    /// Per value: its description and, when `@deprecated`, the reason.
    pub value_meta: BTreeMap<String, (Option<String>, Option<String>)>,
    /// GraphQL value → the value stored in documents and columns, for values with `@stored(value:)`.
    pub stored: BTreeMap<String, String>,
}

impl EnumType {
    /// (stored, GraphQL) for every value, when any value is stored under another name.
    pub fn mapping(&self) -> Option<Vec<(String, String)>> {
        (!self.stored.is_empty()).then(|| {
            self.values
                .iter()
                .map(|v| {
                    (
                        self.stored.get(v).cloned().unwrap_or_else(|| v.clone()),
                        v.clone(),
                    )
                })
                .collect()
        })
    }
}

/// What a named type is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind<'s> {
    Scalar(&'s str),
    Enum(&'s EnumType),
    Object(&'s ObjectType),
    Input(&'s InputType),
    Union(&'s UnionType),
}

/// A union, or an interface (then `fields` is set): an abstract type whose objects are one of
/// `members`. For a mutation result union, one member is the success type and one the error type.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionType {
    pub name: String,
    pub description: Option<String>,
    pub members: Vec<String>,
    pub line: usize,
    /// How a document says which member it is: `@discriminator(key: "kind", map: "user=User,post=Post")`.
    pub discriminator: Option<Discriminator>,
    /// For an interface: its fields (its members are the types that implement it).
    pub fields: Option<Vec<FieldDef>>,
}

/// The JSONB key naming a document's member type, and the stored value of each member (by default
/// the member's name).
#[derive(Debug, Clone, PartialEq)]
pub struct Discriminator {
    pub key: String,
    pub values: Vec<(String, String)>,
}

impl UnionType {
    /// (stored value, member) pairs for every member.
    pub fn member_values(&self) -> Vec<(String, String)> {
        let d = self.discriminator.as_ref();
        self.members
            .iter()
            .map(|m| {
                let stored = d
                    .and_then(|d| d.values.iter().find(|(_, t)| t == m))
                    .map(|(v, _)| v.clone())
                    .unwrap_or_else(|| m.clone());
                (stored, m.clone())
            })
            .collect()
    }
}

/// A `Mutation` field's SQL function, as `load_schema` found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// `"schema"."name"`, ready for SQL text.
    pub qualified: String,
    /// `mutation_response` or `jsonb`.
    pub returns: String,
}

/// An error in SDL, located by line (and column when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 && self.column > 0 {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        } else if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "{}", self.message)
        }
    }
}

fn err(pos: graphql_parser::Pos, message: impl Into<String>) -> SchemaError {
    SchemaError {
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub types: BTreeMap<String, ObjectType>,
    pub enums: BTreeMap<String, EnumType>,
    pub inputs: BTreeMap<String, InputType>,
    pub unions: BTreeMap<String, UnionType>,
    pub scalars: BTreeSet<String>,
    pub query_type: String,
    pub mutation_type: Option<String>,
    /// Mutation functions found by [`Schema::bind`], by the name written in `@function`.
    pub bound_functions: BTreeMap<String, Function>,
    pub sdl: String,
}

/// Whether `name` is a relation or function name Postgres can parse: `name` or `schema.name`, each
/// part an unquoted identifier (a letter or `_`, then letters, digits, `_`, `$`) or double-quoted.
pub fn is_sql_name(name: &str) -> bool {
    let mut parts = 0;
    let mut rest = name;
    loop {
        let after = if let Some(quoted) = rest.strip_prefix('"') {
            // A quoted part ends at a quote not followed by another (`""` is an escaped quote).
            let mut end = None;
            let bytes = quoted.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                i += 1;
            }
            match end {
                Some(0) | None => return false,
                Some(e) => &quoted[e + 1..],
            }
        } else {
            let len = rest
                .char_indices()
                .find(|&(i, c)| {
                    !(c == '_' || c.is_alphabetic() || (i > 0 && (c.is_ascii_digit() || c == '$')))
                })
                .map_or(rest.len(), |(i, _)| i);
            if len == 0 {
                return false;
            }
            &rest[len..]
        };
        parts += 1;
        match after.strip_prefix('.') {
            Some(next) if parts < 2 => rest = next,
            Some(_) => return false,
            None => return after.is_empty(),
        }
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

impl Schema {
    /// Reads SDL. Database facts are checked later by [`Schema::bind`].
    pub fn parse(text: &str) -> Result<Schema, Vec<SchemaError>> {
        let doc =
            sdl::parse_schema::<String>(text).map_err(|e| vec![parse_error(&e.to_string())])?;
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
                        if let Some(obj) = read_object(o, &mut errors) {
                            schema.types.insert(obj.name.clone(), obj);
                        }
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
                        for d in &e.directives {
                            check_directive(d, "an enum", &[], &mut errors);
                        }
                        let values = e.values.iter().map(|v| v.name.clone()).collect();
                        let mut value_meta = BTreeMap::new();
                        let mut stored = BTreeMap::new();
                        for v in &e.values {
                            let mut deprecation = None;
                            for d in &v.directives {
                                check_directive(d, "an enum value", &["deprecated", "stored"], &mut errors);
                                if d.name == "deprecated" {
                                    deprecation = Some(string_arg(d, "reason").unwrap_or_else(|| "No longer supported".into()));
                                }
                                if let Some(value) = (d.name == "stored").then(|| string_arg(d, "value")).flatten() {
                                    stored.insert(v.name.clone(), value);
                                }
                            }
                            value_meta.insert(v.name.clone(), (v.description.clone(), deprecation));
                        }
                        schema.enums.insert(e.name.clone(), EnumType { name: e.name.clone(), description: e.description.clone(), values, value_meta, stored });
                    }
                    sdl::TypeDefinition::Interface(i) => {
                        define(&i.name, i.position, &mut errors);
                        let mut discriminator = None;
                        for d in &i.directives {
                            check_directive(d, "an interface", &["discriminator"], &mut errors);
                            if d.name == "discriminator" {
                                let values = string_arg(d, "map").unwrap_or_default().split(',').filter_map(|p| p.split_once('=')).map(|(v, t)| (v.trim().to_string(), t.trim().to_string())).collect();
                                discriminator = string_arg(d, "key").map(|key| Discriminator { key, values });
                            }
                        }
                        let as_object = sdl::ObjectType { position: i.position, description: i.description.clone(), name: i.name.clone(), implements_interfaces: vec![], directives: vec![], fields: i.fields.clone() };
                        let fields = read_object(&as_object, &mut errors).map(|o| o.fields).unwrap_or_default();
                        schema.unions.insert(i.name.clone(), UnionType { name: i.name.clone(), description: i.description.clone(), members: vec![], line: i.position.line, discriminator, fields: Some(fields) });
                    }
                    sdl::TypeDefinition::Union(u) => {
                        define(&u.name, u.position, &mut errors);
                        let mut discriminator = None;
                        for d in &u.directives {
                            check_directive(d, "a union", &["discriminator"], &mut errors);
                            if d.name == "discriminator" {
                                let values = string_arg(d, "map")
                                    .unwrap_or_default()
                                    .split(',')
                                    .filter_map(|p| p.split_once('='))
                                    .map(|(v, t)| (v.trim().to_string(), t.trim().to_string()))
                                    .collect::<Vec<_>>();
                                for (_, t) in &values {
                                    if !u.types.contains(t) {
                                        errors.push(err(d.position, format!("@discriminator(map:) of union \"{}\" names \"{t}\", which is not a member.", u.name)));
                                    }
                                }
                                discriminator = string_arg(d, "key").map(|key| Discriminator { key, values });
                            }
                        }
                        schema.unions.insert(u.name.clone(), UnionType { name: u.name.clone(), description: u.description.clone(), members: u.types.clone(), line: u.position.line, discriminator, fields: None });
                    }
                    sdl::TypeDefinition::InputObject(i) => {
                        define(&i.name, i.position, &mut errors);
                        for d in &i.directives {
                            check_directive(d, "an input type", &[], &mut errors);
                        }
                        let fields = i.fields.iter().map(|f| InputField { name: f.name.clone(), ty: TypeRef::from_ast(&f.value_type), description: f.description.clone() }).collect();
                        schema.inputs.insert(i.name.clone(), InputType { name: i.name.clone(), description: i.description.clone(), fields, role: InputRole::User });
                    }
                },
                sdl::Definition::TypeExtension(_) => errors.push(SchemaError { line: 0, column: 0, message: "Type extensions (`extend type`) are not supported; write the whole type.".into() }),
                sdl::Definition::DirectiveDefinition(d) => errors.push(err(d.position, format!("Directive definitions are not accepted: \"@{}\" is not one of fraiseql's directives ({}).", d.name, DIRECTIVES.map(|d| format!("@{d}")).join(", ")))),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        schema.link_interfaces(&mut errors);
        if schema.mutation_type.is_none() && schema.types.contains_key("Mutation") {
            schema.mutation_type = Some("Mutation".to_string());
        }
        schema.check_references(&mut errors);
        schema.check_mutations(&mut errors);
        if errors.is_empty() {
            crate::generate::generate(&mut schema, &mut errors);
        }
        if errors.is_empty() {
            crate::introspection::add_meta_types(&mut schema);
        }
        if errors.is_empty() {
            Ok(schema)
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(errors)
        }
    }

    pub fn kind(&self, name: &str) -> Option<Kind<'_>> {
        if let Some(o) = self.types.get(name) {
            Some(Kind::Object(o))
        } else if let Some(e) = self.enums.get(name) {
            Some(Kind::Enum(e))
        } else if let Some(i) = self.inputs.get(name) {
            Some(Kind::Input(i))
        } else if let Some(u) = self.unions.get(name) {
            Some(Kind::Union(u))
        } else {
            self.scalars.get(name).map(|s| Kind::Scalar(s.as_str()))
        }
    }

    pub fn query(&self) -> &ObjectType {
        self.types
            .get(&self.query_type)
            .expect("a parsed schema has its query type")
    }

    fn all_type_names(&self) -> impl Iterator<Item = &str> {
        self.types
            .keys()
            .chain(self.enums.keys())
            .chain(self.scalars.iter())
            .chain(self.inputs.keys())
            .chain(self.unions.keys())
            .map(String::as_str)
    }

    /// Fills each interface's members from the types that implement it, and checks that each
    /// implementation declares every interface field with the same type.
    fn link_interfaces(&mut self, errors: &mut Vec<SchemaError>) {
        let implementations: Vec<(String, String, usize)> = self
            .types
            .values()
            .flat_map(|t| {
                t.interfaces
                    .iter()
                    .map(move |i| (t.name.clone(), i.clone(), t.line))
            })
            .collect();
        for (object, interface, line) in implementations {
            let Some(u) = self
                .unions
                .get_mut(&interface)
                .filter(|u| u.fields.is_some())
            else {
                errors.push(SchemaError {
                    line,
                    column: 0,
                    message: format!(
                        "Type \"{object}\" implements \"{interface}\", which is not an interface."
                    ),
                });
                continue;
            };
            u.members.push(object.clone());
            for f in u.fields.as_ref().expect("filtered above") {
                match self.types[&object].field(&f.name) {
                    None => errors.push(SchemaError { line, column: 0, message: format!("Type \"{object}\" implements \"{interface}\" but has no field \"{}\".", f.name) }),
                    Some(own) if own.ty != f.ty => errors.push(SchemaError { line: own.line, column: 0, message: format!("Field \"{object}.{}\" has type {} but interface \"{interface}\" declares {}.", f.name, own.ty, f.ty) }),
                    Some(_) => {}
                }
            }
        }
    }

    /// The fields of an object type or interface, by name.
    pub fn fields_of(&self, name: &str) -> Option<&[FieldDef]> {
        match self.kind(name)? {
            Kind::Object(o) => Some(&o.fields),
            Kind::Union(u) => u.fields.as_deref(),
            _ => None,
        }
    }

    /// The mutation root type, when the schema has one.
    pub fn mutation(&self) -> Option<&ObjectType> {
        self.mutation_type.as_ref().and_then(|m| self.types.get(m))
    }

    /// Whether `member` is `name` or, when `name` is a union, one of its members.
    pub fn type_applies(&self, name: &str, member: &str) -> bool {
        name == member
            || self
                .unions
                .get(name)
                .is_some_and(|u| u.members.iter().any(|m| m == member))
    }

    /// The `@function` names this schema needs from the database.
    pub fn functions(&self) -> Vec<&str> {
        self.mutation()
            .map(|m| {
                m.fields
                    .iter()
                    .filter_map(|f| f.function.as_deref())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn check_references(&self, errors: &mut Vec<SchemaError>) {
        if !self.types.contains_key(&self.query_type) {
            errors.push(SchemaError { line: 0, column: 0, message: format!("The schema has no \"{}\" type: declare `type {} {{ … }}` with at least one field.", self.query_type, self.query_type) });
        }
        for t in self.types.values() {
            for f in &t.fields {
                if f.source.is_some() && t.name != self.query_type {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\": @view on a field is only allowed on fields of \"{}\".", t.name, f.name, self.query_type) });
                }
                let named = f.ty.named();
                if let Some(Kind::Union(u)) = self.kind(named) {
                    let is_mutation = Some(&t.name) == self.mutation_type.as_ref();
                    if !is_mutation && u.discriminator.is_none() {
                        errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\" returns the abstract type \"{}\", which needs @discriminator(key: \"…\") to tell its members apart in the documents.", t.name, f.name, u.name) });
                    }
                }
                if self.kind(named).is_none() {
                    let hint = did_you_mean(named, self.all_type_names());
                    errors.push(SchemaError {
                        line: f.line,
                        column: 0,
                        message: format!(
                            "Field \"{}.{}\" has unknown type \"{named}\".{hint}",
                            t.name, f.name
                        ),
                    });
                }
                if f.function.is_some() && Some(&t.name) != self.mutation_type.as_ref() {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\": @function is only allowed on fields of the Mutation type.", t.name, f.name) });
                }
                if t.name != self.query_type
                    && Some(&t.name) != self.mutation_type.as_ref()
                    && !f.args.is_empty()
                {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\" declares arguments; only Query fields take arguments, and those fraiseql generates (where, orderBy, limit, offset, id).", t.name, f.name) });
                }
                for a in &f.args {
                    match self.kind(a.ty.named()) {
                        Some(Kind::Object(_) | Kind::Union(_)) => errors.push(SchemaError { line: f.line, column: 0, message: format!("Argument \"{}\" of \"{}.{}\" must be an input type, not the output type \"{}\".", a.name, t.name, f.name, a.ty.named()) }),
                        None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Argument \"{}\" of \"{}.{}\" has unknown type \"{}\".{}", a.name, t.name, f.name, a.ty.named(), did_you_mean(a.ty.named(), self.all_type_names())) }),
                        _ => {}
                    }
                }
            }
        }
        for i in self.inputs.values() {
            for f in &i.fields {
                match self.kind(f.ty.named()) {
                    Some(Kind::Scalar(_) | Kind::Enum(_) | Kind::Input(_)) => {}
                    Some(_) => errors.push(SchemaError { line: 0, column: 0, message: format!("Input field \"{}.{}\" must have an input type; \"{}\" is an output type.", i.name, f.name, f.ty.named()) }),
                    None => errors.push(SchemaError { line: 0, column: 0, message: format!("Input field \"{}.{}\" has unknown type \"{}\".{}", i.name, f.name, f.ty.named(), did_you_mean(f.ty.named(), self.all_type_names())) }),
                }
            }
        }
        for u in self.unions.values() {
            for m in &u.members {
                if !self.types.contains_key(m) {
                    errors.push(SchemaError {
                        line: u.line,
                        column: 0,
                        message: format!(
                            "Union \"{}\" member \"{m}\" is not an object type.{}",
                            u.name,
                            did_you_mean(m, self.types.keys().map(String::as_str))
                        ),
                    });
                }
            }
        }
    }

    /// For a mutation result union, its (success, error) members: the error member's name ends in
    /// `Error` or `Failure`.
    pub fn result_members(&self, union: &str) -> Option<(&str, &str)> {
        let u = self.unions.get(union)?;
        let is_error = |m: &&String| m.ends_with("Error") || m.ends_with("Failure");
        let errors: Vec<&String> = u.members.iter().filter(is_error).collect();
        let successes: Vec<&String> = u.members.iter().filter(|m| !is_error(m)).collect();
        match (successes.as_slice(), errors.as_slice()) {
            ([s], [e]) => Some((s.as_str(), e.as_str())),
            _ => None,
        }
    }

    /// Mutation fields: each calls an `@function`; a union result has a success and an error member;
    /// object fields of result types read the returned `entity` unless `@field(key:)` says otherwise.
    fn check_mutations(&mut self, errors: &mut Vec<SchemaError>) {
        let Some(mutation) = self.mutation().cloned() else {
            return;
        };
        let mut result_types = Vec::new();
        for f in &mutation.fields {
            if f.function.is_none() {
                errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\" needs @function(name: \"fn_…\"): the SQL function it calls with its input as jsonb.", f.name) });
            }
            match self.kind(f.ty.named()) {
                Some(Kind::Union(u)) => match self.result_members(&u.name) {
                    Some((s, e)) => result_types.extend([s.to_string(), e.to_string()]),
                    None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\" returns union \"{}\", which needs exactly two members: a success type and an error type whose name ends in \"Error\".", f.name, u.name) }),
                },
                Some(Kind::Object(o)) => result_types.push(o.name.clone()),
                Some(Kind::Scalar("JSON")) => {}
                _ => errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\" must return an object type, a Success|Error union or JSON, not \"{}\".", f.name, f.ty) }),
            }
        }
        for name in result_types {
            let kinds: Vec<bool> = self.types[&name]
                .fields
                .iter()
                .map(|f| matches!(self.kind(f.ty.named()), Some(Kind::Object(_))))
                .collect();
            let t = self.types.get_mut(&name).expect("result types exist");
            for (f, is_object) in t.fields.iter_mut().zip(kinds) {
                if is_object && f.key == crate::names::snake_case(&f.name) {
                    f.key = "entity".to_string();
                }
            }
        }
    }

    /// The `@view` names this schema needs from the database.
    pub fn views(&self) -> Vec<&str> {
        let types = self.types.values().filter_map(|t| t.source.as_ref());
        let fields = self
            .types
            .values()
            .flat_map(|t| t.fields.iter())
            .filter_map(|f| f.source.as_ref());
        let relations = self
            .types
            .values()
            .flat_map(|t| t.fields.iter())
            .filter_map(|f| f.relation.as_ref().map(|r| &r.source));
        let set: BTreeSet<&str> = types
            .chain(fields)
            .chain(relations)
            .map(|s| s.view.as_str())
            .collect();
        set.into_iter().collect()
    }

    /// Attaches the catalog's relations; a missing view or one without `data jsonb` is an error.
    pub fn bind(&mut self, catalog: &Catalog) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        for t in self.types.values_mut() {
            if let Some(source) = &mut t.source {
                bind_source(
                    source,
                    &format!("Type \"{}\"", t.name),
                    t.line,
                    catalog,
                    &mut errors,
                );
            }
            for f in &mut t.fields {
                let owner = format!("Field \"{}.{}\"", t.name, f.name);
                if let Some(source) = &mut f.source {
                    bind_source(source, &owner, f.line, catalog, &mut errors);
                }
                if let Some(rd) = &mut f.relation {
                    bind_source(&mut rd.source, &owner, f.line, catalog, &mut errors);
                    if let Some(rel) = &rd.source.relation {
                        if rel.column_type(&rd.remote).is_none() {
                            let hint =
                                did_you_mean(&rd.remote, rel.columns.keys().map(String::as_str));
                            errors.push(SchemaError { line: f.line, column: 0, message: format!("{owner}: @relation joins on column \"{}\", which \"{}\" does not have.{hint}", rd.remote, rd.source.view) });
                        }
                    }
                }
            }
        }
        if let Some(m) = self.mutation_type.clone() {
            for f in &self.types[&m].fields {
                let Some(name) = &f.function else { continue };
                match catalog.functions.get(name).cloned().flatten() {
                    None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\": function {name}(jsonb) does not exist, or returns neither fraiseql.mutation_response nor jsonb.", f.name) }),
                    Some(found) => {
                        self.bound_functions.insert(name.clone(), found);
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn bind_source(
    source: &mut Source,
    owner: &str,
    line: usize,
    catalog: &Catalog,
    errors: &mut Vec<SchemaError>,
) {
    let at = |message: String| SchemaError {
        line,
        column: 0,
        message,
    };
    match catalog.relations.get(&source.view).cloned().flatten() {
        None => {
            let hint = did_you_mean(&source.view, catalog.candidates.iter().map(String::as_str));
            errors.push(at(format!("{owner} is bound to \"{}\", which is not a table or view the current role can see.{hint}", source.view)));
        }
        Some(rel) => match rel.column_type("data") {
            Some("jsonb") => source.relation = Some(rel),
            Some(other) => errors.push(at(format!("{owner}: column \"data\" of \"{}\" has type {other}; fraiseql needs data jsonb.", source.view))),
            None => errors.push(at(format!("{owner}: \"{}\" has no \"data\" column; a fraiseql view exposes the object as data jsonb.", source.view))),
        },
    }
}

fn read_object(
    o: &sdl::ObjectType<'_, String>,
    errors: &mut Vec<SchemaError>,
) -> Option<ObjectType> {
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
                    deprecation = Some(
                        string_arg(d, "reason").unwrap_or_else(|| "No longer supported".into()),
                    )
                }
                _ => {}
            }
        }
        let args = f.arguments.iter().map(ArgDef::from_ast).collect();
        fields.push(FieldDef {
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
        });
    }
    if fields.is_empty() {
        errors.push(err(
            o.position,
            format!("Type \"{}\" has no fields.", o.name),
        ));
    }
    Some(ObjectType {
        name: o.name.clone(),
        description: o.description.clone(),
        source,
        fields,
        line: o.position.line,
        role: ObjectRole::Plain,
        interfaces: o.implements_interfaces.clone(),
    })
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
    let (line, column) = crate::document::error_position(text);
    let detail = text.lines().skip(1).collect::<Vec<_>>().join("; ");
    SchemaError {
        line,
        column,
        message: format!("Syntax error in SDL: {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOG: &str = r#"
type User @view(name: "v_user") {
  id: ID!
  name: String!
  createdAt: DateTime
}
type Query {
  users: [User!]!
  user(id: ID!): User
}
"#;

    #[test]
    fn reads_types_fields_and_root_kinds() {
        let s = Schema::parse(BLOG).unwrap();
        let user = &s.types["User"];
        assert_eq!(user.source.as_ref().unwrap().view, "v_user");
        assert_eq!(user.field("createdAt").unwrap().key, "created_at");
        let q = s.query();
        assert_eq!(q.field("users").unwrap().root, Some(RootKind::List));
        let args: Vec<&str> = q
            .field("users")
            .unwrap()
            .args
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(args, ["where", "orderBy", "limit", "offset"]);
        assert_eq!(
            q.field("usersConnection").unwrap().root,
            Some(RootKind::Connection)
        );
        assert!(s.inputs["UserWhere"].field("createdAt").is_some());
        assert_eq!(s.inputs["StringFilter"].fields.len(), 15);
        assert_eq!(q.field("user").unwrap().root, Some(RootKind::ById));
        assert_eq!(s.views(), vec!["v_user"]);
    }

    #[test]
    fn unknown_directive_names_its_line() {
        let e =
            Schema::parse("type User @viw(name: \"v\") { id: ID }\ntype Query { users: [User] }")
                .unwrap_err();
        assert_eq!(e[0].line, 1);
        assert!(
            e[0].message.contains("Unknown directive \"@viw\""),
            "{}",
            e[0].message
        );
        assert!(
            e[0].message.contains("Did you mean \"@view\"?"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn unknown_type_names_its_line_and_suggests() {
        let e = Schema::parse("type User @view(name: \"v\") {\n  id: ID\n  friend: Usr\n}\ntype Query { users: [User] }").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(
            e[0].message
                .contains("unknown type \"Usr\". Did you mean \"User\"?"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let e = Schema::parse("type User {\n  id: \n}").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.starts_with("Syntax error in SDL"));
    }

    #[test]
    fn bind_requires_data_jsonb() {
        let mut s = Schema::parse(BLOG).unwrap();
        let mut cat = Catalog::default();
        let cols = BTreeMap::from([
            ("id".to_string(), "uuid".to_string()),
            ("data".to_string(), "json".to_string()),
        ]);
        cat.relations.insert(
            "v_user".into(),
            Some(Relation {
                schema: "public".into(),
                name: "v_user".into(),
                columns: cols,
            }),
        );
        let e = s.bind(&cat).unwrap_err();
        assert!(e[0].message.contains("has type json"), "{}", e[0].message);
        let mut missing = Catalog::default();
        missing.relations.insert("v_user".into(), None);
        missing.candidates.push("v_users".into());
        let e = s.bind(&missing).unwrap_err();
        assert!(
            e[0].message.contains("Did you mean \"v_users\"?"),
            "{}",
            e[0].message
        );
    }
}

#[cfg(test)]
mod name_tests {
    #[test]
    fn sql_names_postgres_can_parse() {
        for ok in [
            "v_user",
            "public.v_user",
            "\"My View\"",
            "s.\"a\"\"b\"",
            "_x$1",
            "été",
        ] {
            assert!(super::is_sql_name(ok), "{ok}");
        }
        for bad in [
            "",
            "a..b",
            "a.b.c",
            "1abc",
            "v_user;drop",
            "\"\"",
            "\"open",
            "a.",
            ".a",
            "a b",
            "fn(x)",
        ] {
            assert!(!super::is_sql_name(bad), "{bad}");
        }
    }
}
