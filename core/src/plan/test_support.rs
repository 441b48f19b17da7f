//! Fixtures for the planner's unit tests: a schema with a field of every filterable kind (real
//! columns and JSONB paths, an enum stored under other names, a list, JSON, a relation), a planner
//! over it, and argument values written as GraphQL literals.
use serde_json::Value as Json;

use super::{PageSizes, Planner, Src};
use crate::request::document::{parse, Value};
use crate::request::variables::Variables;
use crate::schema::{Catalog, Relation, Schema};

pub(crate) const SDL: &str = r#"
enum Status { DRAFT @stored(value: "draft") PUBLISHED @stored(value: "published") }
type Author @view(name: "v_author") { id: ID! name: String! }
type Book @view(name: "v_book") {
  id: ID!
  title: String!
  pages: Int
  published: Date
  status: Status
  tags: [String!]
  meta: JSON
  author: Author @relation(view: "v_author", on: "id = author_id")
}
type Query { books: [Book!]! book(id: ID!): Book }
"#;

/// The fixture schema, bound to a catalog where `v_book` has real columns `title`, `tags` and
/// `author_id` besides `id` and `data`.
pub(crate) fn schema() -> Schema {
    let mut s = Schema::parse(SDL).expect("the fixture SDL is valid");
    let mut cat = Catalog::of_views(&["v_author", "v_book"]);
    if let Some(Some(book)) = cat.relations.get_mut("v_book") {
        for (c, t) in [("title", "text"), ("tags", "text[]"), ("author_id", "uuid")] {
            book.columns.insert(c.into(), t.into());
        }
    }
    s.bind(&cat).expect("the fixture binds");
    s
}

pub(crate) fn planner<'s>(schema: &'s Schema, vars: &'s Variables) -> Planner<'s> {
    Planner::new(schema, vars, "books")
}

/// A row of `v_book` under alias `t`.
pub(crate) fn book_row(schema: &Schema) -> Src<'_> {
    Src::Row {
        alias: "t".into(),
        rel: relation(schema, "Book"),
    }
}

pub(crate) fn relation<'s>(schema: &'s Schema, ty: &str) -> &'s Relation {
    schema.types[ty]
        .relation()
        .expect("the type is bound to a view")
}

/// The value of a GraphQL literal, as the document would carry it (`{a: 1}`, `[x, y]`, `$v`).
pub(crate) fn value(literal: &str) -> Value {
    let doc = parse(&format!("query ($v: Int) {{ f(a: {literal}) }}")).expect("a valid literal");
    let graphql_parser::query::Definition::Operation(
        graphql_parser::query::OperationDefinition::Query(q),
    ) = &doc.definitions[0]
    else {
        unreachable!("the wrapper is a query")
    };
    let graphql_parser::query::Selection::Field(f) = &q.selection_set.items[0] else {
        unreachable!("the wrapper selects a field")
    };
    f.arguments[0].1.clone()
}

/// The SQL of a whole query over the fixture schema (no field errors allowed).
pub(crate) fn sql(query: &str, variables: Option<Json>) -> String {
    let c = crate::compile(
        &schema(),
        query,
        None,
        variables.as_ref(),
        &PageSizes::default(),
    )
    .unwrap_or_else(|e| panic!("{query}: {e:?}"));
    assert!(c.field_errors.is_empty(), "{query}: {:?}", c.field_errors);
    c.plan.sql
}
