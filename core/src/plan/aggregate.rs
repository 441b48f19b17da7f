//! Aggregates in the one statement: `count`, `countDistinct`, `sum`, `avg`, `min`, `max` over the
//! rows a list would return (same `where`, same RLS), and `groups(by:, having:, orderBy:, limit:,
//! offset:)` — a `GROUP BY` over those rows. Values are read as filters read them: a real column of
//! the view when there is one (indexable), else the typed JSONB path.
use super::filter::{and_all, leaf_expr, Leaf};
use super::order::direction_sql;
use super::value::Val;
use super::{build_object, Check, ParamType, Planner, Src};
use crate::names::{did_you_mean, quote_ident, quote_literal};
use crate::request::collect::Selected;
use crate::schema::aggregate::{type_name, TIME_BUCKETS};
use crate::schema::{AggregatePart, FieldDef, Kind, ObjectType, Relation};

/// The rows an aggregate reads.
pub(crate) enum Rows<'s> {
    /// Rows of a view; `join` is (remote column, local expression) for a `@relation` list.
    Relation {
        rel: &'s Relation,
        join: Option<(String, String)>,
    },
    /// The elements of an array in the parent's document (a JSONB expression).
    Elements { value: String },
}

/// One group key: the JSONB keys to the field, its SQL expression (bucketed for a time) and the
/// value the response shows.
struct GroupKey {
    path: Vec<String>,
    expr: String,
    output: String,
}

/// The aggregate functions' SQL over one field value.
fn function_sql(function: &str, value: &str) -> String {
    match function {
        "countDistinct" => format!("count(DISTINCT {value})"),
        // An average is a Float; a sum stays exact (numeric), which JSON prints as a number.
        "avg" => format!("avg({value})::float8"),
        other => format!("{other}({value})"),
    }
}

impl<'s> Planner<'s> {
    /// One scan of `rows` filtered by `filter`: the FROM clause, its conditions, and the row's source.
    fn scan(
        &mut self,
        rows: &Rows<'s>,
        ty: &'s ObjectType,
        filter: Option<Val<'_>>,
    ) -> (String, Vec<String>, Src<'s>) {
        let (from, mut conds, src) = match rows {
            Rows::Relation { rel, join } => {
                let a = self.next_alias("g");
                let conds = join
                    .iter()
                    .map(|(remote, local)| format!("{a}.{} = {local}", quote_ident(remote)))
                    .collect();
                (
                    format!("{} {a}", rel.qualified()),
                    conds,
                    Src::Row { alias: a, rel },
                )
            }
            Rows::Elements { value } => {
                let n = self.next_number();
                let e = format!("e{n}");
                (
                    super::array_elements(value, &format!("a{n}"), &e),
                    vec![],
                    Src::Doc(e),
                )
            }
        };
        if let Some(w) = filter {
            if let Some(c) = self.where_cond(ty, &src, w, "where") {
                conds.push(c);
            }
        }
        (from, conds, src)
    }

    /// `<T>Aggregate` selected as `sel` over `rows`: one aggregate query for the functions, and one
    /// `GROUP BY` query per `groups` selection.
    pub(crate) fn aggregate(
        &mut self,
        sel: &Selected,
        ty: &'s ObjectType,
        rows: Rows<'s>,
        filter: Option<Val<'_>>,
    ) -> String {
        let aggregated = sel
            .children
            .iter()
            .any(|c| c.name != "__typename" && c.name != "groups");
        let scanned = aggregated.then(|| self.scan(&rows, ty, filter));
        let mut pairs = Vec::with_capacity(sel.children.len());
        for child in &sel.children {
            let expr = match child.name.as_str() {
                "__typename" => quote_literal(&type_name(&ty.name, AggregatePart::Whole)),
                "groups" => self.groups(child, ty, &rows, filter),
                _ => {
                    let (_, _, src) = scanned.as_ref().expect("scanned when aggregated");
                    self.function_value(child, ty, src)
                }
            };
            pairs.push((child.key.clone(), expr));
        }
        let obj = build_object(&pairs);
        match scanned {
            Some((from, conds, _)) => format!("(SELECT {obj} FROM {from}{})", where_sql(&conds)),
            None => obj,
        }
    }

    /// `count`, or one of `countDistinct`/`sum`/`avg`/`min`/`max` with its selected fields.
    fn function_value(&mut self, sel: &Selected, ty: &'s ObjectType, src: &Src<'s>) -> String {
        if sel.name == "count" {
            return "count(*)".into();
        }
        let part = if sel.name == "countDistinct" {
            AggregatePart::CountDistinct
        } else if sel.name == "sum" || sel.name == "avg" {
            AggregatePart::Numeric
        } else {
            AggregatePart::MinMax
        };
        let pairs: Vec<(String, String)> = sel
            .children
            .iter()
            .map(|f| {
                let e = if f.name == "__typename" {
                    quote_literal(&type_name(&ty.name, part))
                } else {
                    let def = ty
                        .field(&f.name)
                        .expect("validated: the value types mirror the object's fields");
                    function_sql(&sel.name, &field_leaf(src, def, &sel.name).0)
                };
                (f.key.clone(), e)
            })
            .collect();
        build_object(&pairs)
    }

    /// `groups(by:, having:, orderBy:, limit:, offset:)`: `GROUP BY` over its own scan of `rows`.
    /// Long by design: the statement is assembled in the order its clauses appear in the SQL.
    fn groups(
        &mut self,
        sel: &Selected,
        ty: &'s ObjectType,
        rows: &Rows<'s>,
        filter: Option<Val<'_>>,
    ) -> String {
        let (from, conds, src) = self.scan(rows, ty, filter);
        let mut keys = Vec::new();
        let errors_before = self.errors.len();
        if let Some(by) = self.arg(sel, "by") {
            for (i, entry) in by.items(self).into_iter().enumerate() {
                // One refused key is enough to fail the field; the rest are not reported one by one.
                if self.errors.len() > errors_before {
                    return "NULL".into();
                }
                match entry.single_entry(self) {
                    Ok((name, value)) => self.group_key(ty, &src, vec![], &name, value, &mut keys),
                    Err(n) => self.field_error(format!("groups(by:) entry {i} sets {n} fields; set exactly one per entry, e.g. [{{status: true}}, {{createdAt: MONTH}}].")),
                }
            }
        }
        if self.errors.len() > errors_before {
            return "NULL".into();
        }
        if keys.is_empty() {
            self.field_error(
                "groups(by:) needs at least one group key, e.g. by: [{status: true}].".into(),
            );
            return "NULL".into();
        }
        let having = match self.arg(sel, "having") {
            Some(h) => self.having_cond(ty, &src, h, "having"),
            None => None,
        };
        let mut order = self.group_order(sel, ty, &src, &keys);
        order.extend(keys.iter().map(|k| (k.expr.clone(), String::new())));
        let limit = self.arg_param(sel, "limit", ParamType::Int8, Check::Limit);
        let offset = self.arg_param(sel, "offset", ParamType::Int8, Check::NonNegative);
        let mut pairs = Vec::with_capacity(sel.children.len());
        for child in &sel.children {
            let expr = match child.name.as_str() {
                "__typename" => quote_literal(&type_name(&ty.name, AggregatePart::Group)),
                "key" => self.key_object(ty, &keys, &[], &child.children),
                _ => self.function_value(child, ty, &src),
            };
            pairs.push((child.key.clone(), expr));
        }
        let group_by: Vec<&str> = keys.iter().map(|k| k.expr.as_str()).collect();
        let having = having.map(|h| format!(" HAVING {h}")).unwrap_or_default();
        // The groups are computed first, as a CTE planned for all its rows, so Postgres can hash
        // them: beside ORDER BY and LIMIT, it plans a sort of every row (its estimate of the number
        // of groups of an expression is the number of rows). Only the groups are sorted and paged,
        // by sub-selects of the parameters: a plain `LIMIT $n` is costed by its value, so every
        // custom plan looks cheaper than the generic one and the statement would be planned anew
        // at each call (0.3-0.6 ms over the bench's v_post); this way the generic plan is kept.
        let n = self.next_alias("s");
        let sort_columns: String = order
            .iter()
            .enumerate()
            .map(|(i, (e, _))| format!(", {e} AS o{i}"))
            .collect();
        let sort: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(i, (_, dir))| format!("{n}g.o{i}{dir}"))
            .collect();
        format!(
            "(WITH {n}g AS MATERIALIZED (SELECT {} AS j{sort_columns} FROM {from}{} GROUP BY {}{having}) SELECT coalesce(json_agg({n}.j), '[]'::json) FROM (SELECT {n}g.j FROM {n}g ORDER BY {} LIMIT (SELECT {limit}) OFFSET (SELECT {offset})) {n})",
            build_object(&pairs),
            where_sql(&conds),
            group_by.join(", "),
            sort.join(", "),
        )
    }

    /// One `by` entry: a field's value, a time's bucket, or (recursively) a key inside an embedded object.
    fn group_key(
        &mut self,
        ty: &'s ObjectType,
        src: &Src<'s>,
        mut path: Vec<String>,
        name: &str,
        value: Val<'_>,
        keys: &mut Vec<GroupKey>,
    ) {
        let schema = self.schema;
        let def = ty
            .field(name)
            .expect("validated: GroupBy inputs mirror the object's fields");
        path.push(def.key.clone());
        if let Some(Kind::Object(child)) = schema.kind(def.ty.named()) {
            match value.single_entry(self) {
                Ok((n, v)) => self.group_key(child, src, path, &n, v, keys),
                Err(n) => self.field_error(format!(
                    "groups(by:) on \"{name}\" sets {n} fields; set exactly one."
                )),
            }
            return;
        }
        let scalar = def.ty.named();
        let temporal = crate::schema::aggregate::is_temporal(scalar);
        let (leaf, cast) = if path.len() == 1 {
            field_leaf(src, def, if temporal { "bucket" } else { "key" })
        } else {
            leaf_expr(src, &path, scalar)
        };
        let expr = if temporal {
            let bucket = value.name(self).unwrap_or_default();
            match TIME_BUCKETS.iter().find(|(n, _)| *n == bucket) {
                Some((_, None)) => leaf,
                Some((_, Some(unit))) if cast == "date" => {
                    format!("date_trunc('{unit}', {leaf})::date")
                }
                Some((_, Some(unit))) => format!("date_trunc('{unit}', {leaf})"),
                None => {
                    self.field_error(format!("groups(by:) on \"{name}\" needs a bucket: VALUE, DAY, WEEK, MONTH or YEAR."));
                    return;
                }
            }
        } else {
            if value.boolean(self) != Some(true) {
                self.field_error(format!(
                    "groups(by:) on \"{name}\" must be true (to group by it) or left out."
                ));
                return;
            }
            leaf
        };
        if keys.iter().any(|k| k.path == path) {
            self.field_error(format!(
                "groups(by:) names \"{name}\" twice; group by each field once."
            ));
            return;
        }
        let output = match schema.kind(scalar).and_then(|k| match k {
            Kind::Enum(e) => e.mapping(),
            _ => None,
        }) {
            Some(mapping) => super::select::enum_output(&mapping, &expr),
            None => expr.clone(),
        };
        keys.push(GroupKey { path, expr, output });
    }

    /// `key { … }`: each selected field's group value; fields not grouped on are null.
    fn key_object(
        &mut self,
        ty: &'s ObjectType,
        keys: &[GroupKey],
        prefix: &[String],
        selection: &[Selected],
    ) -> String {
        let schema = self.schema;
        let mut pairs = Vec::with_capacity(selection.len());
        for f in selection {
            let expr = if f.name == "__typename" {
                quote_literal(&type_name(&ty.name, AggregatePart::GroupKey))
            } else {
                let def = ty
                    .field(&f.name)
                    .expect("validated: GroupKey mirrors the object's fields");
                let mut path = prefix.to_vec();
                path.push(def.key.clone());
                match schema.kind(def.ty.named()) {
                    Some(Kind::Object(child)) => self.key_object(child, keys, &path, &f.children),
                    _ => keys
                        .iter()
                        .find(|k| k.path == path)
                        .map_or_else(|| "NULL".to_string(), |k| k.output.clone()),
                }
            };
            pairs.push((f.key.clone(), expr));
        }
        build_object(&pairs)
    }

    /// A `<T>Having` value: conditions on a group's aggregates, with the operators of `where`.
    fn having_cond(
        &mut self,
        ty: &'s ObjectType,
        src: &Src<'s>,
        h: Val<'_>,
        path: &str,
    ) -> Option<String> {
        if h.is_null(self) {
            return None;
        }
        let mut parts = Vec::new();
        for (name, v) in h.entries(self) {
            let here = format!("{path}.{name}");
            if v.is_null(self) {
                self.field_error(format!("The condition {here} is null; leave it out, or use {{isnull: true}} on a value."));
                continue;
            }
            match name.as_str() {
                "AND" | "OR" | "NOT" => {
                    parts.extend(self.connective(&name, v, |p, i| p.having_cond(ty, src, i, &here)))
                }
                "count" => {
                    let leaf = Leaf::computed("count(*)".into(), "numeric");
                    parts.extend(self.operators_cond(&leaf, "Int", false, "Int", v, &here));
                }
                function => {
                    for (field, ops) in v.entries(self) {
                        let at = format!("{here}.{field}");
                        let Some(def) = ty.field(&field) else {
                            let hint = did_you_mean(&field, ty.field_names());
                            self.field_error(format!("Unknown field \"{field}\" in {here}.{hint}"));
                            continue;
                        };
                        let (read, read_type) = field_leaf(src, def, function);
                        let value = function_sql(function, &read);
                        let (scalar, cast) = match function {
                            "countDistinct" => ("Int", "numeric".to_string()),
                            "sum" | "avg" => ("Float", "numeric".to_string()),
                            _ => (def.ty.named(), read_type),
                        };
                        let leaf = Leaf::computed(value, &cast);
                        parts.extend(self.operators_cond(&leaf, scalar, false, scalar, ops, &at));
                    }
                }
            }
        }
        and_all(parts)
    }

    /// The `orderBy` of `groups`: a group key or an aggregate per entry, with its direction.
    fn group_order(
        &mut self,
        sel: &Selected,
        ty: &'s ObjectType,
        src: &Src<'s>,
        keys: &[GroupKey],
    ) -> Vec<(String, String)> {
        const CONTEXT: &str = "groups(orderBy:)";
        let Some(arg) = self.arg(sel, "orderBy") else {
            return vec![];
        };
        let mut out = Vec::new();
        for (i, entry) in arg.items(self).into_iter().enumerate() {
            let (name, value) = match entry.single_entry(self) {
                Ok(one) => one,
                Err(n) => {
                    self.field_error(format!("groups(orderBy:) entry {i} sets {n} fields; set exactly one per entry, e.g. [{{count: DESC}}]."));
                    continue;
                }
            };
            match name.as_str() {
                "key" => {
                    let mut ordered = Vec::new();
                    for (n, v) in value.entries(self) {
                        self.order_key(ty, vec![], &n, v, &mut ordered);
                    }
                    for k in ordered {
                        match keys.iter().find(|g| g.path == k.path) {
                            Some(g) => out.push((g.expr.clone(), k.direction_sql(false).to_string())),
                            None => self.field_error(format!("groups(orderBy:) entry {i} orders by \"{}\", which is not in by; order by a group key or an aggregate.", k.path.join("."))),
                        }
                    }
                }
                "count" => {
                    if let Some((desc, nulls_first)) = self.direction(value, CONTEXT, "count") {
                        out.push((
                            "count(*)".to_string(),
                            direction_sql(desc, nulls_first).into(),
                        ));
                    }
                }
                function => {
                    for (field, v) in value.entries(self) {
                        let def = ty
                            .field(&field)
                            .expect("validated: the OrderBy inputs mirror the object's fields");
                        if let Some((desc, nulls_first)) = self.direction(v, CONTEXT, &field) {
                            out.push((
                                function_sql(function, &field_leaf(src, def, function).0),
                                direction_sql(desc, nulls_first).into(),
                            ));
                        }
                    }
                }
            }
        }
        out
    }

    /// `<list>Aggregate` inside an object: over its `@relation` rows, or its embedded array.
    pub(crate) fn nested_aggregate(
        &mut self,
        parent: &'s ObjectType,
        def: &'s FieldDef,
        src: &Src<'s>,
        sel: &Selected,
    ) -> String {
        let schema = self.schema;
        let list = def
            .aggregates
            .as_deref()
            .and_then(|l| parent.field(l))
            .expect("generated beside its list field");
        let child = &schema.types[list.ty.named()];
        let rows = match &list.relation {
            Some(rd) => {
                let (rel, local) = Self::relation_join(rd, src);
                Rows::Relation {
                    rel,
                    join: Some((rd.remote.clone(), local)),
                }
            }
            None => Rows::Elements {
                value: format!("{}->{}", src.doc(), quote_literal(&list.key)),
            },
        };
        let filter = self.arg(sel, "where");
        self.aggregate(sel, child, rows, filter)
    }
}

/// What aggregate `function` (or a group key: `"key"`, `"bucket"` for a time) reads of field `def`, and its SQL type: the
/// real column when its SQL type takes the function, else the typed JSONB path (a `text` column
/// behind an `Int` field is summed from the document, not refused by the database).
fn field_leaf(src: &Src<'_>, def: &FieldDef, function: &str) -> (String, String) {
    let path = std::slice::from_ref(&def.key);
    let (expr, cast) = leaf_expr(src, path, def.ty.named());
    if src.column(&def.key).is_some() && !takes(function, &cast) {
        return leaf_expr(&Src::Doc(src.doc()), path, def.ty.named());
    }
    (expr, cast)
}

/// Whether a column of SQL type `sql_type` (as `format_type` prints it) takes `function`.
fn takes(function: &str, sql_type: &str) -> bool {
    let base = sql_type.split('(').next().unwrap_or(sql_type).trim();
    let numeric = matches!(
        base,
        "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision"
    );
    let unordered =
        matches!(base, "json" | "jsonb" | "uuid" | "boolean" | "xml") || base.ends_with("[]");
    match function {
        "sum" | "avg" => numeric,
        "min" | "max" => !unordered,
        "bucket" => matches!(
            base,
            "date" | "timestamp with time zone" | "timestamp without time zone"
        ),
        // countDistinct and group keys need equality, which json and xml lack
        _ => !matches!(base, "json" | "xml"),
    }
}

fn where_sql(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::sql;

    #[test]
    fn functions_over_the_filtered_rows_in_one_query() {
        assert_eq!(
            sql("{ booksAggregate(where: {pages: {gt: 10}}) { count sum { pages } avg { pages } min { title published } countDistinct { status } } }", None),
            r#"SELECT json_build_object('data', json_build_object('booksAggregate', (SELECT json_build_object('count', count(*), 'sum', json_build_object('pages', sum(((g1.data->>'pages')::numeric))), 'avg', json_build_object('pages', avg(((g1.data->>'pages')::numeric))::float8), 'min', json_build_object('title', min(g1."title"), 'published', min(((g1.data->>'published')::date))), 'countDistinct', json_build_object('status', count(DISTINCT (g1.data->>'status')))) FROM "public"."v_book" g1 WHERE ((g1.data->>'pages')::numeric) > $1::text::numeric)))"#
        );
    }

    #[test]
    fn groups_key_having_order_and_page() {
        assert_eq!(
            sql("{ booksAggregate { groups(by: [{status: true}, {published: MONTH}], having: {count: {gt: 1}}, orderBy: [{count: DESC}], limit: 5) { key { status published title } count } } }", None),
            r#"SELECT json_build_object('data', json_build_object('booksAggregate', json_build_object('groups', (WITH s2g AS MATERIALIZED (SELECT json_build_object('key', json_build_object('status', CASE (g1.data->>'status') WHEN 'draft' THEN 'DRAFT' WHEN 'published' THEN 'PUBLISHED' END, 'published', date_trunc('month', ((g1.data->>'published')::date))::date, 'title', NULL), 'count', count(*)) AS j, count(*) AS o0, (g1.data->>'status') AS o1, date_trunc('month', ((g1.data->>'published')::date))::date AS o2 FROM "public"."v_book" g1 GROUP BY (g1.data->>'status'), date_trunc('month', ((g1.data->>'published')::date))::date HAVING count(*) > $1::text::numeric) SELECT coalesce(json_agg(s2.j), '[]'::json) FROM (SELECT s2g.j FROM s2g ORDER BY s2g.o0 DESC, s2g.o1, s2g.o2 LIMIT (SELECT $2) OFFSET (SELECT $3)) s2))))"#
        );
    }

    #[test]
    fn a_column_whose_type_cannot_take_the_function_is_read_from_the_document() {
        // v_book with `pages` and `published` as text columns: summed and bucketed from `data`.
        let mut s = crate::schema::Schema::parse(super::super::test_support::SDL).unwrap();
        let mut cat = crate::schema::Catalog::of_views(&["v_author", "v_book"]);
        if let Some(Some(book)) = cat.relations.get_mut("v_book") {
            for c in ["pages", "published", "title"] {
                book.columns.insert(c.into(), "text".into());
            }
        }
        s.bind(&cat).unwrap();
        let c = crate::compile(
            &s,
            "{ booksAggregate { sum { pages } max { title } groups(by: [{published: YEAR}]) { count } } }",
            None,
            None,
            &crate::PageSizes::default(),
        )
        .unwrap();
        let sql = &c.plan.sql;
        assert!(sql.contains("sum(((g1.data->>'pages')::numeric))"), "{sql}");
        assert!(sql.contains(r#"max(g1."title")"#), "{sql}");
        assert!(
            sql.contains("date_trunc('year', ((g2.data->>'published')::date))::date"),
            "{sql}"
        );
    }

    #[test]
    fn bad_group_keys_are_field_errors() {
        let s = super::super::test_support::schema();
        for (q, needle) in [
            ("{ booksAggregate { groups(by: []) { count } } }", "at least one group key"),
            ("{ booksAggregate { groups(by: [{status: false}]) { count } } }", "must be true"),
            ("{ booksAggregate { groups(by: [{status: true, title: true}]) { count } } }", "exactly one"),
            ("{ booksAggregate { groups(by: [{status: true}, {status: true}]) { count } } }", "twice"),
            ("{ booksAggregate { groups(by: [{status: true}], orderBy: [{key: {title: ASC}}]) { count } } }", "not in by"),
        ] {
            let c = crate::compile(&s, q, None, None, &crate::PageSizes::default()).unwrap();
            assert!(c.field_errors.iter().any(|e| e.message.contains(needle)), "{q}: {:?}", c.field_errors);
        }
        // Thousands of bad keys are one error, not thousands.
        let many = vec!["{status: true}"; 3000].join(", ");
        let q = format!("{{ booksAggregate {{ groups(by: [{many}]) {{ count }} }} }}");
        let c = crate::compile(&s, &q, None, None, &crate::PageSizes::default()).unwrap();
        assert_eq!(c.field_errors.len(), 1, "{:?}", c.field_errors.first());
    }
}
