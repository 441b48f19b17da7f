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
pub const DIRECTIVES: [&str; 3] = ["view", "field", "deprecated"];

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
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArgDef {
    pub name: String,
    pub ty: TypeRef,
    pub description: Option<String>,
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
    pub deprecation: Option<String>,
    pub line: usize,
}

impl FieldDef {
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The name given in `@view(name:)`.
    pub view: String,
    pub relation: Option<Relation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectType {
    pub name: String,
    pub description: Option<String>,
    pub source: Option<Source>,
    pub fields: Vec<FieldDef>,
    pub line: usize,
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
}

/// What a named type is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind<'s> {
    Scalar(&'s str),
    Enum(&'s EnumType),
    Object(&'s ObjectType),
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
            write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
        } else if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "{}", self.message)
        }
    }
}

fn err(pos: graphql_parser::Pos, message: impl Into<String>) -> SchemaError {
    SchemaError { line: pos.line, column: pos.column, message: message.into() }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub types: BTreeMap<String, ObjectType>,
    pub enums: BTreeMap<String, EnumType>,
    pub scalars: BTreeSet<String>,
    pub query_type: String,
    pub sdl: String,
}

fn string_arg(d: &sdl::Directive<'_, String>, arg: &str) -> Option<String> {
    d.arguments.iter().find(|(n, _)| n == arg).and_then(|(_, v)| match v {
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
        errors.push(err(d.position, format!("Unknown directive \"@{}\".{hint}", d.name)));
        return;
    }
    if !allowed_here.contains(&d.name.as_str()) {
        errors.push(err(d.position, format!("Directive \"@{}\" may not be used on {location}.", d.name)));
        return;
    }
    let (arg, required) = match d.name.as_str() {
        "view" => ("name", true),
        "field" => ("key", true),
        _ => ("reason", false),
    };
    for (name, value) in &d.arguments {
        if name != arg {
            errors.push(err(d.position, format!("Unknown argument \"{name}\" on directive \"@{}\"; it takes \"{arg}\".", d.name)));
        } else if !matches!(value, sdl::Value::String(_)) {
            errors.push(err(d.position, format!("Argument \"{arg}\" of \"@{}\" must be a string.", d.name)));
        }
    }
    if required && string_arg(d, arg).is_none() {
        errors.push(err(d.position, format!("Directive \"@{}\" needs the argument {arg}: String!.", d.name)));
    }
}

impl Schema {
    /// Reads SDL. Database facts are checked later by [`Schema::bind`].
    pub fn parse(text: &str) -> Result<Schema, Vec<SchemaError>> {
        let doc = sdl::parse_schema::<String>(text).map_err(|e| vec![parse_error(&e.to_string())])?;
        let mut errors = Vec::new();
        let mut schema = Schema {
            types: BTreeMap::new(),
            enums: BTreeMap::new(),
            scalars: BUILTIN_SCALARS.iter().chain(KNOWN_SCALARS.iter()).map(|s| s.to_string()).collect(),
            query_type: "Query".to_string(),
            sdl: text.to_string(),
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut define = |name: &str, pos: graphql_parser::Pos, errors: &mut Vec<SchemaError>| {
            if let Some(line) = seen.insert(name.to_string(), pos.line) {
                errors.push(err(pos, format!("Type \"{name}\" is defined twice (first on line {line}).")));
            }
        };
        for def in &doc.definitions {
            match def {
                sdl::Definition::SchemaDefinition(s) => {
                    if let Some(q) = &s.query {
                        schema.query_type = q.clone();
                    }
                    if s.mutation.is_some() || s.subscription.is_some() {
                        errors.push(err(s.position, "Only the query root is supported by this version of fraiseql."));
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
                        schema.enums.insert(
                            e.name.clone(),
                            EnumType { name: e.name.clone(), description: e.description.clone(), values },
                        );
                    }
                    sdl::TypeDefinition::Interface(i) => errors.push(err(i.position, format!("Interface \"{}\": interfaces are not supported by this version of fraiseql.", i.name))),
                    sdl::TypeDefinition::Union(u) => errors.push(err(u.position, format!("Union \"{}\": unions are not supported by this version of fraiseql.", u.name))),
                    sdl::TypeDefinition::InputObject(i) => errors.push(err(i.position, format!("Input type \"{}\": input types are not supported by this version of fraiseql.", i.name))),
                },
                sdl::Definition::TypeExtension(_) => errors.push(SchemaError { line: 0, column: 0, message: "Type extensions (`extend type`) are not supported; write the whole type.".into() }),
                sdl::Definition::DirectiveDefinition(d) => errors.push(err(d.position, format!("Directive definitions are not accepted: \"@{}\" is not one of fraiseql's directives ({}).", d.name, DIRECTIVES.map(|d| format!("@{d}")).join(", ")))),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        schema.check_references(&mut errors);
        schema.derive_root_fields(&mut errors);
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
        } else {
            self.scalars.get(name).map(|s| Kind::Scalar(s.as_str()))
        }
    }

    pub fn query(&self) -> &ObjectType {
        self.types.get(&self.query_type).expect("a parsed schema has its query type")
    }

    fn all_type_names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().chain(self.enums.keys()).chain(self.scalars.iter()).map(String::as_str)
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
                if self.kind(named).is_none() {
                    let hint = did_you_mean(named, self.all_type_names());
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\" has unknown type \"{named}\".{hint}", t.name, f.name) });
                }
                for a in &f.args {
                    if let Some(Kind::Object(_)) = self.kind(a.ty.named()) {
                        errors.push(SchemaError { line: f.line, column: 0, message: format!("Argument \"{}\" of \"{}.{}\" must be an input type, not the object type \"{}\".", a.name, t.name, f.name, a.ty.named()) });
                    }
                }
            }
        }
    }

    /// Gives each root field its kind and the generated arguments (`limit`/`offset`, or `id`).
    fn derive_root_fields(&mut self, errors: &mut Vec<SchemaError>) {
        let Some(query) = self.types.get(&self.query_type) else { return };
        if query.source.is_some() {
            errors.push(SchemaError { line: query.line, column: 0, message: format!("The root type \"{}\" cannot be bound to a view.", query.name) });
        }
        let mut fields = query.fields.clone();
        for f in &mut fields {
            let target = self.types.get(f.ty.named());
            if f.source.is_some() && !target.is_some_and(|t| t.source.is_some()) {
                errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" has its own @view, but its type \"{}\" has none; bind the type with @view too (the field's view must expose the same document).", f.name, f.ty.named()) });
                continue;
            }
            match target {
                Some(t) if t.source.is_some() => {}
                _ => {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" must return a type bound to a view with @view(name: …); \"{}\" is not.", f.name, f.ty.named()) });
                    continue;
                }
            }
            let (kind, generated) = match f.ty.nullable() {
                TypeRef::List(inner) if !inner.is_list() => (RootKind::List, list_args()),
                TypeRef::Named(_) => (RootKind::ById, id_args()),
                _ => {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" has type {}; use a view type or a list of it.", f.name, f.ty) });
                    continue;
                }
            };
            for declared in &f.args {
                match generated.iter().find(|g| g.name == declared.name) {
                    None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" declares argument \"{}\", which fraiseql does not generate; its arguments are: {}.", f.name, declared.name, generated.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")) }),
                    Some(g) if g.ty.named() != declared.ty.named() => errors.push(SchemaError { line: f.line, column: 0, message: format!("Argument \"{}\" of query field \"{}\" must have type {}.", declared.name, f.name, g.ty) }),
                    Some(_) => {}
                }
            }
            let mut args = generated;
            for a in &mut args {
                if let Some(d) = f.args.iter().find(|d| d.name == a.name) {
                    a.description = d.description.clone();
                }
            }
            f.args = args;
            f.root = Some(kind);
        }
        self.types.get_mut(&self.query_type).expect("checked above").fields = fields;
    }

    /// The `@view` names this schema needs from the database.
    pub fn views(&self) -> Vec<&str> {
        let types = self.types.values().filter_map(|t| t.source.as_ref());
        let fields = self.types.values().flat_map(|t| t.fields.iter()).filter_map(|f| f.source.as_ref());
        let set: BTreeSet<&str> = types.chain(fields).map(|s| s.view.as_str()).collect();
        set.into_iter().collect()
    }

    /// Attaches the catalog's relations; a missing view or one without `data jsonb` is an error.
    pub fn bind(&mut self, catalog: &Catalog) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        for t in self.types.values_mut() {
            if let Some(source) = &mut t.source {
                bind_source(source, &format!("Type \"{}\"", t.name), t.line, catalog, &mut errors);
            }
            for f in &mut t.fields {
                if let Some(source) = &mut f.source {
                    bind_source(source, &format!("Field \"{}.{}\"", t.name, f.name), f.line, catalog, &mut errors);
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

fn bind_source(source: &mut Source, owner: &str, line: usize, catalog: &Catalog, errors: &mut Vec<SchemaError>) {
    let at = |message: String| SchemaError { line, column: 0, message };
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

fn list_args() -> Vec<ArgDef> {
    vec![
        ArgDef { name: "limit".into(), ty: TypeRef::Named("Int".into()), description: Some("Maximum number of rows to return.".into()) },
        ArgDef { name: "offset".into(), ty: TypeRef::Named("Int".into()), description: Some("Number of rows to skip.".into()) },
    ]
}

fn id_args() -> Vec<ArgDef> {
    vec![ArgDef { name: "id".into(), ty: TypeRef::NonNull(Box::new(TypeRef::Named("ID".into()))), description: Some("The id of the object.".into()) }]
}

fn read_object(o: &sdl::ObjectType<'_, String>, errors: &mut Vec<SchemaError>) -> Option<ObjectType> {
    if !o.implements_interfaces.is_empty() {
        errors.push(err(o.position, format!("Type \"{}\" implements interfaces, which this version of fraiseql does not support.", o.name)));
    }
    let mut source = None;
    for d in &o.directives {
        check_directive(d, "an object type", &["view"], errors);
        if d.name == "view" {
            if let Some(view) = string_arg(d, "name") {
                source = Some(Source { view, relation: None });
            }
        }
    }
    let mut fields: Vec<FieldDef> = Vec::new();
    for f in &o.fields {
        if f.name.starts_with("__") {
            errors.push(err(f.position, format!("Field \"{}.{}\": names starting with \"__\" are reserved for introspection.", o.name, f.name)));
        }
        if fields.iter().any(|x| x.name == f.name) {
            errors.push(err(f.position, format!("Field \"{}.{}\" is defined twice.", o.name, f.name)));
        }
        let mut key = snake_case(&f.name);
        let mut deprecation = None;
        let mut field_source = None;
        for d in &f.directives {
            check_directive(d, "a field", &["field", "deprecated", "view"], errors);
            match d.name.as_str() {
                "field" => key = string_arg(d, "key").unwrap_or(key),
                "view" => field_source = string_arg(d, "name").map(|view| Source { view, relation: None }),
                "deprecated" => deprecation = Some(string_arg(d, "reason").unwrap_or_else(|| "No longer supported".into())),
                _ => {}
            }
        }
        let args = f
            .arguments
            .iter()
            .map(|a| ArgDef { name: a.name.clone(), ty: TypeRef::from_ast(&a.value_type), description: a.description.clone() })
            .collect();
        fields.push(FieldDef {
            name: f.name.clone(),
            description: f.description.clone(),
            ty: TypeRef::from_ast(&f.field_type),
            key,
            args,
            root: None,
            source: field_source,
            deprecation,
            line: f.position.line,
        });
    }
    if fields.is_empty() {
        errors.push(err(o.position, format!("Type \"{}\" has no fields.", o.name)));
    }
    Some(ObjectType { name: o.name.clone(), description: o.description.clone(), source, fields, line: o.position.line })
}

/// graphql-parser reports `… Parse error at L:C\n<details>`; keep the location and the details.
fn parse_error(text: &str) -> SchemaError {
    let (line, column) = crate::document::error_position(text);
    let detail = text.lines().skip(1).collect::<Vec<_>>().join("; ");
    SchemaError { line, column, message: format!("Syntax error in SDL: {detail}") }
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
        assert_eq!(q.field("users").unwrap().args.len(), 2);
        assert_eq!(q.field("user").unwrap().root, Some(RootKind::ById));
        assert_eq!(s.views(), vec!["v_user"]);
    }

    #[test]
    fn unknown_directive_names_its_line() {
        let e = Schema::parse("type User @viw(name: \"v\") { id: ID }\ntype Query { users: [User] }").unwrap_err();
        assert_eq!(e[0].line, 1);
        assert!(e[0].message.contains("Unknown directive \"@viw\""), "{}", e[0].message);
        assert!(e[0].message.contains("Did you mean \"@view\"?"), "{}", e[0].message);
    }

    #[test]
    fn unknown_type_names_its_line_and_suggests() {
        let e = Schema::parse("type User @view(name: \"v\") {\n  id: ID\n  friend: Usr\n}\ntype Query { users: [User] }").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("unknown type \"Usr\". Did you mean \"User\"?"), "{}", e[0].message);
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
        let cols = BTreeMap::from([("id".to_string(), "uuid".to_string()), ("data".to_string(), "json".to_string())]);
        cat.relations.insert("v_user".into(), Some(Relation { schema: "public".into(), name: "v_user".into(), columns: cols }));
        let e = s.bind(&cat).unwrap_err();
        assert!(e[0].message.contains("has type json"), "{}", e[0].message);
        let mut missing = Catalog::default();
        missing.relations.insert("v_user".into(), None);
        missing.candidates.push("v_users".into());
        let e = s.bind(&missing).unwrap_err();
        assert!(e[0].message.contains("Did you mean \"v_users\"?"), "{}", e[0].message);
    }
}
