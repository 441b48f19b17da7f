//! Size limits on a request, checked before it is planned and before any SQL runs (settings
//! `fraiseql.max_depth`, `fraiseql.max_fields`, `fraiseql.max_aliases`, `fraiseql.max_cost`; the
//! document's and the variables' byte sizes are checked earlier, in the extension). Everything is
//! measured with fragments expanded, so a fragment fanned out many times counts every time.
//!
//! Cost estimates the rows a request can make Postgres produce: each field costs 1, and a field
//! that returns a page (it takes `limit`, `first` or `last`: lists, connections, relations) multiplies
//! the cost of what it selects by its effective page size — the argument's value (a literal, a
//! variable, or the variable's default), else `fraiseql.default_limit`, at most `fraiseql.max_limit`.
//! `{ posts(limit: 100) { title comments(limit: 20) { body } } }` costs 1 + 100 × (1 + 1 + 20 × 1).
//! An aggregate (`postsAggregate`, `commentsAggregate`, a connection's `aggregate`) reads every
//! matching row and answers one object: it costs 1, plus `fraiseql.default_limit` for the rows it
//! reads, plus what it selects (its `groups` multiply theirs by their page size, as lists do).
use graphql_parser::query::{Definition, Selection, TypeCondition};
use serde_json::Value as Json;

use crate::request::document::{operations, Document, OpKind, SelectionSet, Value};
use crate::response::{code, GqlError};
use crate::schema::{FieldDef, Schema};

/// Page-size settings (`fraiseql.default_limit`, `fraiseql.max_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSizes {
    pub default_limit: i64,
    pub max_limit: i64,
}

impl PageSizes {
    /// The defaults of `fraiseql.default_limit` and `fraiseql.max_limit` (the extension's settings
    /// start from these).
    pub const DEFAULT: PageSizes = PageSizes {
        default_limit: 100,
        max_limit: 1000,
    };
}

impl Default for PageSizes {
    fn default() -> Self {
        PageSizes::DEFAULT
    }
}

/// Limits in force for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_fields: usize,
    pub max_aliases: usize,
    pub max_cost: u64,
}

impl QueryLimits {
    /// The defaults of `fraiseql.max_depth`, `max_fields`, `max_aliases` and `max_cost` (the
    /// extension's settings start from these).
    pub const DEFAULT: QueryLimits = QueryLimits {
        max_depth: 20,
        max_fields: 2000,
        max_aliases: 30,
        max_cost: 50_000,
    };
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits::DEFAULT
    }
}

/// How deep, large, aliased and costly a document is, fragments expanded (counting stops at `cap`
/// fields, which bounds the walk itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Measure {
    pub depth: usize,
    pub fields: usize,
    pub aliases: usize,
    pub cost: u64,
}

struct Walker<'a> {
    schema: &'a Schema,
    doc: &'a Document,
    /// The request's variables, and the operation's declared defaults for those it omits.
    variables: Option<&'a Json>,
    defaults: Vec<(&'a str, &'a Value)>,
    pages: &'a PageSizes,
    cap: usize,
    m: Measure,
    stack: Vec<&'a str>,
}

impl<'a> Walker<'a> {
    /// The page size a field (defined by `def`) asks for when it takes page arguments; `None`
    /// otherwise.
    fn page(
        &self,
        def: &FieldDef,
        field: &'a graphql_parser::query::Field<'static, String>,
    ) -> Option<u64> {
        ["first", "last", "limit"]
            .into_iter()
            .find(|a| def.arg(a).is_some())?;
        let given = field
            .arguments
            .iter()
            .filter(|(n, _)| n == "first" || n == "last" || n == "limit")
            .filter_map(|(_, v)| self.int(v))
            .max();
        let max = u64::try_from(self.pages.max_limit).unwrap_or(0);
        let default = u64::try_from(self.pages.default_limit).unwrap_or(0);
        Some(
            given
                .map_or(default, |n| u64::try_from(n).unwrap_or(0))
                .min(max),
        )
    }

    /// The rows an aggregate field reads (one page of the default size: it reads every matching
    /// row, whatever a page would hold); `None` for other fields.
    fn aggregate_rows(&self, def: &FieldDef) -> Option<u64> {
        match self.schema.kind(def.ty.named()) {
            Some(crate::schema::Kind::Object(o))
                if matches!(
                    o.role,
                    crate::schema::ObjectRole::Aggregate {
                        part: crate::schema::AggregatePart::Whole,
                        ..
                    }
                ) =>
            {
                u64::try_from(self.pages.default_limit).ok()
            }
            _ => None,
        }
    }

    fn int(&self, v: &Value) -> Option<i64> {
        match v {
            Value::Int(n) => n.as_i64(),
            Value::Variable(name) => {
                let given = self.variables.and_then(|vs| vs.get(name.as_str()));
                match given {
                    Some(j) => j.as_i64(),
                    None => self
                        .defaults
                        .iter()
                        .find(|(n, _)| *n == name.as_str())
                        .and_then(|(_, d)| self.int(d)),
                }
            }
            _ => None,
        }
    }

    /// The definition of field `name` on `type_name`, when the schema knows it.
    fn field_def(&self, type_name: Option<&str>, name: &str) -> Option<&'a FieldDef> {
        let schema: &'a Schema = self.schema;
        type_name
            .and_then(|t| schema.fields_of(t))
            .and_then(|fs| fs.iter().find(|f| f.name == name))
    }

    /// Walks `set` (selected on `type_name`) and returns its cost.
    fn walk(&mut self, set: &'a SelectionSet, type_name: Option<&'a str>, depth: usize) -> u64 {
        let mut cost: u64 = 0;
        for item in &set.items {
            if self.m.fields >= self.cap {
                return cost;
            }
            match item {
                Selection::Field(f) => {
                    self.m.fields += 1;
                    if f.alias.is_some() {
                        self.m.aliases += 1;
                    }
                    self.m.depth = self.m.depth.max(depth + 1);
                    let def = self.field_def(type_name, &f.name);
                    let below = self.walk(&f.selection_set, def.map(|d| d.ty.named()), depth + 1);
                    cost = cost.saturating_add(1);
                    cost = match def.and_then(|d| self.aggregate_rows(d)) {
                        // The rows read once; what it selects is one object (groups: a page each).
                        Some(rows) => cost.saturating_add(rows).saturating_add(below),
                        None => {
                            let page = def.and_then(|d| self.page(d, f)).unwrap_or(1);
                            cost.saturating_add(page.saturating_mul(below))
                        }
                    };
                }
                Selection::InlineFragment(i) => {
                    let t = match &i.type_condition {
                        Some(TypeCondition::On(t)) => Some(t.as_str()),
                        None => type_name,
                    };
                    cost = cost.saturating_add(self.walk(&i.selection_set, t, depth));
                }
                Selection::FragmentSpread(s) => {
                    if self.stack.contains(&s.fragment_name.as_str()) {
                        continue;
                    }
                    let doc: &'a Document = self.doc;
                    let frag = doc.definitions.iter().find_map(|d| match d {
                        Definition::Fragment(f) if f.name == s.fragment_name => Some(f),
                        _ => None,
                    });
                    if let Some(f) = frag {
                        let TypeCondition::On(t) = &f.type_condition;
                        self.stack.push(f.name.as_str());
                        cost = cost.saturating_add(self.walk(
                            &f.selection_set,
                            Some(t.as_str()),
                            depth,
                        ));
                        self.stack.pop();
                    }
                }
            }
        }
        cost
    }
}

/// The largest depth, field count, alias count and cost among the document's operations.
pub fn measure(
    schema: &Schema,
    doc: &Document,
    variables: Option<&Json>,
    pages: &PageSizes,
    cap: usize,
) -> Measure {
    let mut worst = Measure::default();
    for op in operations(doc) {
        let root = match op.kind {
            OpKind::Mutation => schema.mutation_type.as_deref(),
            _ => Some(schema.query_type.as_str()),
        };
        let mut w = Walker {
            schema,
            doc,
            variables,
            defaults: op
                .variables
                .iter()
                .filter_map(|v| v.default_value.as_ref().map(|d| (v.name.as_str(), d)))
                .collect(),
            pages,
            cap,
            m: Measure::default(),
            stack: Vec::new(),
        };
        let cost = w.walk(op.selection_set, root, 0);
        let m = Measure { cost, ..w.m };
        worst.depth = worst.depth.max(m.depth);
        worst.fields = worst.fields.max(m.fields);
        worst.aliases = worst.aliases.max(m.aliases);
        worst.cost = worst.cost.max(m.cost);
    }
    worst
}

const TIGHTER: &str = "or less under fraiseql.security_profile";

/// A request error when the measure exceeds the limits.
pub fn check(m: &Measure, limits: &QueryLimits) -> Option<GqlError> {
    let refuse = |message: String| Some(GqlError::new(code::VALIDATION, message));
    if m.depth > limits.max_depth {
        return refuse(format!(
            "The query is {} levels deep; the limit is {} (setting fraiseql.max_depth, {TIGHTER}).",
            m.depth, limits.max_depth
        ));
    }
    if m.fields > limits.max_fields {
        return refuse(format!("The query selects more than {} fields (fragments expanded); the limit is {} (setting fraiseql.max_fields, {TIGHTER}).", limits.max_fields, limits.max_fields));
    }
    if m.aliases > limits.max_aliases {
        return refuse(format!("The query uses {} aliases (fragments expanded); the limit is {} (setting fraiseql.max_aliases, {TIGHTER}).", m.aliases, limits.max_aliases));
    }
    if m.cost > limits.max_cost {
        return refuse(format!("The query's estimated cost is {} (each field 1, each list multiplying what it selects by its page size); the limit is {} (setting fraiseql.max_cost, {TIGHTER}). Ask for smaller pages (limit/first) or fewer nested lists.", m.cost, limits.max_cost));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
        type User @view(name: "v_user") { id: ID! name: String! posts: [Post!]! @relation(view: "v_post", on: "user_id = id") }
        type Post @view(name: "v_post") { id: ID! title: String! comments: [Comment!]! }
        type Comment { body: String! }
        type Query { users: [User!]! posts: [Post!]! }
    "#;

    fn schema() -> Schema {
        Schema::parse(SDL).unwrap()
    }

    fn limits(
        max_depth: usize,
        max_fields: usize,
        max_aliases: usize,
        max_cost: u64,
    ) -> QueryLimits {
        QueryLimits {
            max_depth,
            max_fields,
            max_aliases,
            max_cost,
        }
    }

    fn m(query: &str, vars: Option<&Json>) -> Measure {
        let doc = crate::request::document::parse(query).unwrap();
        measure(&schema(), &doc, vars, &PageSizes::default(), 10_000)
    }

    #[test]
    fn depth_and_fields_count_through_fragments() {
        let got = m(
            "{ users { name posts { ...P } } } fragment P on Post { title comments { body } }",
            None,
        );
        assert_eq!((got.depth, got.fields, got.aliases), (4, 6, 0));
        assert!(check(&got, &limits(3, 100, 10, u64::MAX))
            .unwrap()
            .message
            .contains("4 levels deep"));
        assert!(check(&got, &limits(4, 5, 10, u64::MAX))
            .unwrap()
            .message
            .contains("fraiseql.max_fields"));
        assert!(check(&got, &limits(4, 6, 10, u64::MAX)).is_none());
    }

    #[test]
    fn aggregates_count_as_a_default_page_and_groups_by_theirs() {
        // usersAggregate: 1 + 100 rows + count 1 + groups (1 + 5 × (key 1 + name 1 + count 1)).
        let q = "{ usersAggregate { count groups(by: [{name: true}], limit: 5) { key { name } count } } }";
        assert_eq!(m(q, None).cost, 1 + 100 + 1 + (1 + 5 * (1 + 1 + 1)));
        // Nested: each post's commentsAggregate reads its rows.
        let q = "{ posts(limit: 10) { commentsAggregate { count } } }";
        assert_eq!(m(q, None).cost, 1 + 10 * (1 + 100 + 1));
    }

    #[test]
    fn lists_multiply_what_they_select_by_their_page_size() {
        // users: 1 + 100 × (name 1 + posts (1 + 20 × (title 1 + comments (1 + 100 × body 1)))).
        let got = m(
            "{ users { name posts(limit: 20) { title comments { body } } } }",
            None,
        );
        assert_eq!(got.cost, 1 + 100 * (1 + 1 + 20 * (1 + 1 + 100)));
        // A variable's value, then its declared default, then default_limit; capped at max_limit.
        let q = "query Q($n: Int = 7) { users(limit: $n) { name } }";
        assert_eq!(m(q, None).cost, 1 + 7);
        assert_eq!(m(q, Some(&serde_json::json!({"n": 3}))).cost, 1 + 3);
        assert_eq!(m("{ users(limit: 100000) { name } }", None).cost, 1 + 1000);
        let e = check(
            &m("{ users { posts { comments { body } } } }", None),
            &limits(20, 2000, 15, 50_000),
        )
        .unwrap();
        assert!(
            e.message.contains("estimated cost is 1010101")
                && e.message.contains("fraiseql.max_cost"),
            "{}",
            e.message
        );
    }

    #[test]
    fn aliases_count_every_time_a_fragment_is_spread() {
        let got = m(
            "{ ...F ...F b: users { name } } fragment F on Query { a: users { n: name } }",
            None,
        );
        assert_eq!(got.aliases, 5);
        assert!(check(&got, &limits(20, 2000, 4, u64::MAX))
            .unwrap()
            .message
            .contains("5 aliases"));
    }
}
