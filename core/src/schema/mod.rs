//! The schema model: GraphQL SDL with fraiseql's directives, read into types bound to views.
//! Pure: the database facts it needs arrive as a [`Catalog`] filled in by the extension.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use graphql_parser::schema as ast;
use serde::{Deserialize, Serialize};

use crate::names::quote_ident;

pub mod aggregate;
mod bind;
mod checks;
pub mod generate;
pub mod meta;
pub mod operator;
pub mod print;
pub mod scaffold;
mod sdl;

pub use bind::Catalog;
pub use checks::is_sql_name;

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
    pub fn from_ast(t: &ast::Type<'_, String>) -> TypeRef {
        match t {
            ast::Type::NamedType(n) => TypeRef::Named(n.clone()),
            ast::Type::ListType(inner) => TypeRef::List(Box::new(TypeRef::from_ast(inner))),
            ast::Type::NonNullType(inner) => TypeRef::NonNull(Box::new(TypeRef::from_ast(inner))),
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
    /// `usersAggregate(where:)`: aggregates (and groups) over the rows the list would return.
    Aggregate,
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
    pub fn from_ast(a: &ast::InputValue<'_, String>) -> ArgDef {
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
    /// For a generated `<list>Aggregate` field of an object type: the list field it aggregates.
    pub aggregates: Option<String>,
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
            aggregates: None,
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
    /// A type generated for aggregates over lists of `node` (`schema/aggregate.rs`).
    Aggregate {
        node: String,
        part: AggregatePart,
    },
    /// An introspection meta type (`__Schema`, `__Type`, …).
    Meta,
}

/// Which generated aggregate type an object is: `<T>Aggregate`, `<T>Group`, `<T>GroupKey`, or the
/// per-field values of one aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregatePart {
    /// `count`, `countDistinct`, `sum`, `avg`, `min`, `max` and `groups` over all the rows.
    Whole,
    /// One group: its `key` and the same aggregates over its rows.
    Group,
    /// The grouped fields' values (null for fields not grouped on).
    GroupKey,
    /// `countDistinct { field }`: `Int!` per field.
    CountDistinct,
    /// `sum`/`avg { field }`: `Float` per numeric field.
    Numeric,
    /// `min`/`max { field }`: the field's own type.
    MinMax,
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
    /// `UserGroupBy`, `UserHaving`, `UserGroupOrderBy` and their parts: aggregates over `object`.
    Aggregate { object: String },
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

impl Schema {
    /// Reads SDL into the model: the definitions (`sdl.rs`), the checks across types (`checks.rs`),
    /// the generated arguments and types (`generate.rs`), the meta types (`meta.rs`). Database facts
    /// are checked afterwards by [`Schema::bind`] (`bind.rs`).
    pub fn parse(text: &str) -> Result<Schema, Vec<SchemaError>> {
        let mut schema = sdl::read(text)?;
        let mut errors = Vec::new();
        schema.link_interfaces(&mut errors);
        if schema.mutation_type.is_none() && schema.types.contains_key("Mutation") {
            schema.mutation_type = Some("Mutation".to_string());
        }
        schema.check_references(&mut errors);
        schema.check_mutations(&mut errors);
        if errors.is_empty() {
            generate::generate(&mut schema, &mut errors);
        }
        if errors.is_empty() {
            meta::add_meta_types(&mut schema);
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
