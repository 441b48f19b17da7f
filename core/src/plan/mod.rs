//! The planner: collected fields → ONE SQL statement in which Postgres builds the whole response
//! JSONB. Identifiers come only from the bound schema and are quoted; values only travel as `$n`.
//! Submodules: `select` (projections, lists, relations), `filter` (`where`), `order` (`orderBy`,
//! keyset conditions), `connection` (Relay), `aggregate` (aggregates and groups), `bind`
//! (parameter values at execution).
mod aggregate;
mod bind;
mod connection;
mod filter;
pub mod introspection;
pub mod mutation;
mod order;
mod select;
#[cfg(test)]
mod test_support;
mod value;

use std::fmt::Write;

use serde_json::Value as Json;

pub use bind::{bind, bind_params};
use value::Val;

use crate::names::quote_literal;
use crate::request::collect::Selected;
use crate::request::document::Value;
use crate::request::limits::PageSizes;
use crate::request::variables::Variables;
use crate::response::GqlError;
use crate::schema::{Relation, Schema};

/// `json_build_object` takes at most 100 arguments: 50 key-value pairs.
const MAX_PAIRS_PER_CALL: usize = 50;

/// The SQL type a parameter is sent as; the SQL text casts it where needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    Int8,
    Text,
    TextArray,
}

/// Where a parameter's value comes from at execution.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamSource {
    /// A value of the document: a literal, or a variable (possibly inside a list).
    Ast(Value),
    /// A value read from a variable while planning (the plan then is not reused).
    Json(Json),
    /// Element `index` of the `count` sort-key values encoded in a cursor.
    CursorPart {
        cursor: Box<ParamSource>,
        index: usize,
        count: usize,
    },
}

/// What a value must satisfy before it reaches SQL; a failure is a field error and the field is null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// A filter operand: `null` is refused (use `isnull`).
    NotNull,
    /// A filter operand compared as `jsonb`: `null` is refused, and the value travels as JSON text (a
    /// GraphQL string is a JSON string, never parsed as JSON itself).
    Json,
    /// The same for a list operand: a single value stands for a list of one (input coercion).
    JsonList,
    /// A `like`/`ilike` pattern: `null` is refused, and so is a pattern ending in an unpaired escape
    /// character (`\`), which the database would reject.
    Pattern,
    /// A filter operand compared with a uuid column: `null` is refused, and every value (each item of
    /// an `in`/`nin` list) must be a UUID.
    UuidOperand,
    /// A page size: null takes the default; negative or above the maximum is refused.
    Limit,
    NonNegative,
    Uuid,
    Integer,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub ty: ParamType,
    pub source: ParamSource,
    pub check: Check,
    /// The root field the value belongs to (its response key), for the error's `path`.
    pub root_key: String,
    /// What the value is, for error messages: `argument "limit"`, `filter "name.eq"`.
    pub what: String,
    /// For a mutation input: how it becomes the function's jsonb (snake_case keys of input
    /// objects, stored enum names; JSON scalars untouched).
    pub input: Option<mutation::InputShape>,
}

/// A compiled operation: deterministic SQL text and the parameters it expects.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub sql: String,
    pub params: Vec<Param>,
    /// True when planning read variable values (a filter object passed as a variable, `@skip($x)`):
    /// the plan is then only valid for those values and must not be reused.
    pub dynamic: bool,
    /// Field errors found while planning; their fields are null in the SQL.
    pub errors: Vec<GqlError>,
}

/// A parameter's runtime value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Null,
    Int8(i64),
    Text(String),
    TextArray(Vec<Option<String>>),
}

/// Where an object's fields are read from.
#[derive(Debug, Clone)]
pub(crate) enum Src<'s> {
    /// A row of a view: its real columns by name, its document in `alias.data`.
    Row { alias: String, rel: &'s Relation },
    /// A row read through [`fetched`]: like `Row`, with its document decompressed once, in
    /// `<alias>d.__doc`, however many fields the projection reads from it.
    Fetched { alias: String, rel: &'s Relation },
    /// A JSONB expression holding the document.
    Doc(String),
}

impl Src<'_> {
    /// The JSONB document.
    pub(crate) fn doc(&self) -> String {
        match self {
            Src::Row { alias, .. } => format!("{alias}.data"),
            Src::Fetched { alias, .. } => format!("{alias}d.__doc"),
            Src::Doc(e) => e.clone(),
        }
    }

    /// A real column of that name (never `data`), with its SQL type.
    pub(crate) fn column(&self, key: &str) -> Option<(String, String)> {
        match self {
            Src::Row { alias, rel } | Src::Fetched { alias, rel }
                if key != "data" && key != "__doc" =>
            {
                rel.column_type(key).map(|t| {
                    (
                        format!("{alias}.{}", crate::names::quote_ident(key)),
                        t.to_string(),
                    )
                })
            }
            _ => None,
        }
    }
}

pub(crate) struct Planner<'s> {
    pub(crate) schema: &'s Schema,
    pub(crate) vars: &'s Variables,
    pub(crate) params: Vec<Param>,
    /// How many table aliases (`t1`, `f2`, …) the statement has so far: each new one takes the next number.
    pub(crate) aliases_made: usize,
    pub(crate) dynamic: bool,
    pub(crate) errors: Vec<GqlError>,
    /// The response key of the root field being planned.
    pub(crate) root_key: String,
}

impl<'s> Planner<'s> {
    /// A planner for one statement; `root_key` names the root field errors belong to.
    pub(crate) fn new(schema: &'s Schema, vars: &'s Variables, root_key: &str) -> Planner<'s> {
        Planner {
            schema,
            vars,
            params: Vec::new(),
            aliases_made: 0,
            dynamic: false,
            errors: Vec::new(),
            root_key: root_key.to_string(),
        }
    }

    pub(crate) fn param(
        &mut self,
        source: ParamSource,
        ty: ParamType,
        check: Check,
        what: impl Into<String>,
    ) -> String {
        self.params.push(Param {
            ty,
            source,
            check,
            root_key: self.root_key.clone(),
            what: what.into(),
            input: None,
        });
        format!("${}", self.params.len())
    }

    /// The value of argument `name` of `sel`, if given.
    pub(crate) fn arg<'a>(&self, sel: &'a Selected, name: &str) -> Option<Val<'a>>
    where
        's: 'a,
    {
        sel.arguments
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| Val::Ast(v))
    }

    /// A parameter for an argument (null when absent).
    pub(crate) fn arg_param(
        &mut self,
        sel: &Selected,
        name: &str,
        ty: ParamType,
        check: Check,
    ) -> String {
        let source = match self.arg(sel, name) {
            Some(v) => v.source(),
            None => ParamSource::Ast(Value::Null),
        };
        self.param(source, ty, check, format!("argument \"{name}\""))
    }

    /// The page size of a table list, as SQL. A limit written in the document (`limit: 100`) is
    /// rendered as that constant, as a hand-written statement would be: with `LIMIT $n` a generic plan
    /// costs the page as 10% of the rows, so Postgres re-plans the statement at every call, and the
    /// custom plans of large offsets on a table whose order no longer follows `id` chose a full scan
    /// and an on-disk sort (docs/benchmarks.md, 2026-12-08). The parameter is bound all the same, so
    /// the page-size limits are checked as for a variable; a variable or the default stays `$n`.
    pub(crate) fn limit_sql(&mut self, sel: &Selected) -> String {
        let param = self.arg_param(sel, "limit", ParamType::Int8, Check::Limit);
        match self.arg(sel, "limit") {
            Some(Val::Ast(Value::Int(n))) => n
                .as_i64()
                .filter(|n| *n >= 0)
                .map(|n| n.to_string())
                .unwrap_or(param),
            _ => param,
        }
    }

    /// A planning problem in the current root field: the field becomes null.
    pub(crate) fn field_error(&mut self, message: String) {
        let path = vec![Json::String(self.root_key.clone())];
        self.errors
            .push(GqlError::new(crate::response::code::BAD_INPUT, message).with_path(path));
    }

    pub(crate) fn next_alias(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.next_number())
    }

    /// The next alias number, for names made of several prefixes (`a3(e3)`, `x3(f3)`).
    pub(crate) fn next_number(&mut self) -> usize {
        self.aliases_made += 1;
        self.aliases_made
    }
}

/// `(<rows>) alias` joined with the row's document decompressed once (a compressed `data` would
/// otherwise be decompressed for every field read). `OFFSET 0` keeps Postgres from inlining it.
pub(crate) fn fetched(rows: &str, alias: &str) -> String {
    format!("({rows}) {alias} {}", detoast_join(alias))
}

/// The lateral join that gives row `alias` its document, decompressed (or, for a view, computed) once.
pub(crate) fn detoast_join(alias: &str) -> String {
    format!(
        "CROSS JOIN LATERAL (SELECT fraiseql._detoast({alias}.data) AS __doc OFFSET 0) {alias}d"
    )
}

/// `jsonb_array_elements(…) AS alias(element)` over `value` when it is an array (no rows otherwise:
/// a document whose list is missing or not an array has no elements, never an error).
pub(crate) fn array_elements(value: &str, alias: &str, element: &str) -> String {
    format!("jsonb_array_elements(CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} END) AS {alias}({element})")
}

/// Compiles the root selection of a query operation.
pub fn plan_query(
    schema: &Schema,
    root: &[Selected],
    vars: &Variables,
    directives_dynamic: bool,
) -> Plan {
    let mut p = Planner::new(schema, vars, "");
    p.dynamic = directives_dynamic;
    let mut pairs = Vec::with_capacity(root.len());
    for sel in root {
        p.root_key = sel.key.clone();
        let errors_before = p.errors.len();
        let expr = p.root_field(sel);
        let expr = if p.errors.len() > errors_before {
            "NULL::json".to_string()
        } else {
            expr
        };
        pairs.push((sel.key.clone(), expr));
    }
    let sql = format!("SELECT json_build_object('data', {})", build_object(&pairs));
    Plan {
        sql,
        params: p.params,
        dynamic: p.dynamic,
        errors: p.errors,
    }
}

/// `json_build_object('k', v, …)`: keys in the order given (the selection's). A call takes at most
/// 100 arguments; a larger object is built from several calls joined as text (each call's members
/// without its braces), which only objects of more than [`MAX_PAIRS_PER_CALL`] fields pay for.
pub(crate) fn build_object(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "'{}'::json".to_string();
    }
    let mut chunks: Vec<String> = pairs
        .chunks(MAX_PAIRS_PER_CALL)
        .map(|chunk| {
            let mut s = String::from("json_build_object(");
            for (i, (k, v)) in chunk.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "{}, {v}", quote_literal(k));
            }
            s.push(')');
            s
        })
        .collect();
    if chunks.len() == 1 {
        return chunks.remove(0);
    }
    let members: Vec<String> = chunks
        .iter()
        .map(|c| format!("substr(left({c}::text, -1), 2)"))
        .collect();
    format!("('{{' || {} || '}}')::json", members.join(" || ', ' || "))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::schema::Catalog;

    fn blog() -> Schema {
        let mut s = Schema::parse(
            r#"type User @view(name: "v_user") { id: ID! name: String! }
               type Post @view(name: "v_post") { title: String! author: User tags: [Tag!]! }
               type Tag { label: String! }
               type Query { users: [User!]! post(id: ID!): Post }"#,
        )
        .unwrap();
        let cat = Catalog::of_views(&["v_user", "v_post"]);
        s.bind(&cat).unwrap();
        s
    }

    #[test]
    fn list_field_sql_is_one_statement_with_parameters() {
        let c = crate::compile(
            &blog(),
            "{ users(limit: 2) { id who: name } }",
            None,
            None,
            &PageSizes::default(),
        )
        .unwrap();
        assert_eq!(
            c.plan.sql,
            "SELECT json_build_object('data', json_build_object('users', (SELECT coalesce(json_agg(json_build_object('id', t2d.__doc->'id', 'who', t2d.__doc->'name')), '[]'::json) FROM (SELECT * FROM \"public\".\"v_user\" v1 ORDER BY v1.\"id\" LIMIT 2 OFFSET $2) t2 CROSS JOIN LATERAL (SELECT fraiseql._detoast(t2.data) AS __doc OFFSET 0) t2d)))"
        );
        assert_eq!(c.values, vec![ParamValue::Int8(2), ParamValue::Null]);
    }

    /// A limit from a variable stays a parameter; a written one over the maximum is still refused
    /// (the constant's parameter is bound and checked like any other).
    #[test]
    fn a_written_limit_is_a_constant_a_variable_one_a_parameter() {
        let vars = serde_json::json!({"n": 2});
        let c = crate::compile(
            &blog(),
            "query ($n: Int) { users(limit: $n) { id } }",
            None,
            Some(&vars),
            &PageSizes::default(),
        )
        .unwrap();
        assert!(
            c.plan.sql.contains(" LIMIT $1 OFFSET $2)"),
            "{}",
            c.plan.sql
        );
        let too_many = format!(
            "{{ users(limit: {}) {{ id }} }}",
            PageSizes::default().max_limit + 1
        );
        let refused = crate::compile(&blog(), &too_many, None, None, &PageSizes::default());
        let message = match refused {
            Ok(c) => c.field_errors.first().map(|e| e.message.clone()),
            Err(e) => e.first().map(|e| e.message.clone()),
        };
        assert!(
            message.is_some_and(|m| m.contains("above the maximum page size")),
            "a written limit over the maximum was not refused"
        );
    }

    #[test]
    fn by_id_with_embedded_object_and_list() {
        let c = crate::compile(
            &blog(),
            "query ($id: ID!) { post(id: $id) { author { name } tags { label } } }",
            None,
            Some(&serde_json::json!({"id": "00000000-0000-0000-0000-000000000001"})),
            &PageSizes::default(),
        )
        .unwrap();
        assert_eq!(
            c.plan.sql,
            "SELECT json_build_object('data', json_build_object('post', (SELECT json_build_object('author', CASE WHEN jsonb_typeof(t1d.__doc->'author') = 'object' THEN json_build_object('name', t1d.__doc->'author'->'name') END, 'tags', CASE WHEN jsonb_typeof(t1d.__doc->'tags') = 'array' THEN coalesce((SELECT json_agg(CASE WHEN jsonb_typeof(e2) = 'object' THEN json_build_object('label', e2->'label') END) FROM jsonb_array_elements(t1d.__doc->'tags') AS a2(e2)), '[]'::json) END) FROM \"public\".\"v_post\" t1 CROSS JOIN LATERAL (SELECT fraiseql._detoast(t1.data) AS __doc OFFSET 0) t1d WHERE t1.\"id\" = $1::uuid LIMIT 1)))"
        );
        assert_eq!(
            c.values,
            vec![ParamValue::Text(
                "00000000-0000-0000-0000-000000000001".into()
            )]
        );
    }

    #[test]
    fn sql_text_does_not_depend_on_values() {
        let s = blog();
        let a = crate::compile(
            &s,
            "query ($n: Int) { users(limit: $n) { name } }",
            None,
            Some(&serde_json::json!({"n": 1})),
            &PageSizes::default(),
        )
        .unwrap();
        let b = crate::compile(
            &s,
            "query ($n: Int) { users(limit: $n) { name } }",
            None,
            Some(&serde_json::json!({"n": 7})),
            &PageSizes::default(),
        )
        .unwrap();
        assert_eq!(a.plan.sql, b.plan.sql);
        assert_ne!(a.values, b.values);
    }

    #[test]
    fn malformed_uuid_becomes_a_field_error() {
        let c = crate::compile(
            &blog(),
            "{ post(id: \"x' OR 1=1\") { title } }",
            None,
            None,
            &PageSizes::default(),
        )
        .unwrap();
        assert_eq!(c.values, vec![ParamValue::Null]);
        assert_eq!(c.field_errors[0].path, vec![serde_json::json!("post")]);
    }

    #[test]
    fn many_fields_are_chunked_under_the_argument_limit() {
        let pairs: Vec<(String, String)> = (0..120)
            .map(|i| (format!("k{i}"), "1".to_string()))
            .collect();
        let sql = build_object(&pairs);
        assert_eq!(sql.matches("json_build_object(").count(), 3);
        // The calls' members joined, keys still in order, as one object.
        assert!(sql.starts_with("('{' || substr(left(json_build_object('k0', 1, "));
        assert!(sql.ends_with("'k119', 1)::text, -1), 2) || '}')::json"));
        assert_eq!(sql.matches(" || ', ' || ").count(), 2);
    }
}
