//! Relay connections: `edges { cursor node }`, `pageInfo`, `totalCount` (counted only when
//! selected), paged with keyset cursors over the full sort order (any `orderBy`, nulls included).
use super::order::OrderKey;
use super::{build_object, fetched, Check, ParamType, Planner, Src};
use crate::names::quote_literal;
use crate::request::collect::Selected;
use crate::schema::{ObjectType, Relation};

/// What `pageInfo` needs of its connection's page: the order keys, the direction, the page's alias
/// and its size parameter.
struct Page<'a> {
    keys: &'a [OrderKey],
    backward: bool,
    pg: &'a str,
    n: &'a str,
}

impl<'s> Planner<'s> {
    /// A Relay connection: one page of `node` rows (keyset after/before a cursor, one row more to
    /// tell whether more follow), its edges, cursors, pageInfo and, when selected, totalCount. Long by
    /// design: the statement is assembled in the order its parts appear in the SQL.
    pub(crate) fn connection(
        &mut self,
        sel: &Selected,
        conn: &'s ObjectType,
        node: &'s ObjectType,
        rel: &'s Relation,
    ) -> String {
        let has = |p: &mut Self, name: &str| p.arg(sel, name).is_some_and(|v| !v.is_null(p));
        let (first, last, after, before) = (
            has(self, "first"),
            has(self, "last"),
            has(self, "after"),
            has(self, "before"),
        );
        if first && last {
            self.field_error("Pass either first or last, not both.".into());
            return "NULL".into();
        }
        let backward = last;
        let mut keys = self.order_keys(node, sel);
        keys.push(OrderKey::id());

        let v = self.next_alias("v");
        let inner = Src::Row {
            alias: v.clone(),
            rel,
        };
        let filter = match self.arg(sel, "where") {
            Some(w) => self.where_cond(node, &inner, w, "where"),
            None => None,
        };
        let mut conds: Vec<String> = filter.iter().cloned().collect();
        if after {
            let c = self.arg(sel, "after").expect("checked").source();
            conds.push(self.keyset_cond(&keys, &inner, c, false));
        }
        if before {
            let c = self.arg(sel, "before").expect("checked").source();
            conds.push(self.keyset_cond(&keys, &inner, c, true));
        }
        let n = self.arg_param(
            sel,
            if backward { "last" } else { "first" },
            ParamType::Int8,
            Check::Limit,
        );
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let p = self.next_alias("p");
        let row = Src::Fetched {
            alias: p.clone(),
            rel,
        };
        let fetch_order = OrderKey::render(&keys, &inner, backward);
        let page_order = format!("{p}.__rn{}", if backward { " DESC" } else { "" });
        let in_page = format!("{p}.__rn <= {n}");

        let mut aggregates = vec![format!("count(*) AS fetched"), format!(
            "coalesce(jsonb_agg(to_jsonb({}) ORDER BY {page_order}) FILTER (WHERE {in_page}), '[]'::jsonb) AS cursors",
            Self::cursor_expr(&keys, &row)
        )];
        let pg = self.next_alias("pg");
        let mut pairs = Vec::new();
        for (i, child) in sel.children.iter().enumerate() {
            let expr = match child.name.as_str() {
                "__typename" => quote_literal(&conn.name),
                "edges" => {
                    let edge = self.edge(child, node, &keys, &row);
                    aggregates.push(format!("coalesce(json_agg({edge} ORDER BY {page_order}) FILTER (WHERE {in_page}), '[]'::json) AS c{i}"));
                    format!("{pg}.c{i}")
                }
                "pageInfo" => {
                    let page = Page {
                        keys: &keys,
                        backward,
                        pg: &pg,
                        n: &n,
                    };
                    self.page_info(sel, child, node, rel, &page)
                }
                // aggregate: its own scan over the filter, only when selected.
                "aggregate" => {
                    let filter = self.arg(sel, "where");
                    self.aggregate(
                        child,
                        node,
                        super::aggregate::Rows::Relation { rel, join: None },
                        filter,
                    )
                }
                // totalCount: its own count over the filter, only when selected.
                _ => self.total_count(sel, node, rel),
            };
            pairs.push((child.key.clone(), expr));
        }
        format!(
            "(SELECT {} FROM (SELECT {} FROM {}) {pg})",
            build_object(&pairs),
            aggregates.join(", "),
            fetched(&format!("SELECT {v}.*, row_number() OVER (ORDER BY {fetch_order}) AS __rn FROM {} {v}{where_sql} ORDER BY {fetch_order} LIMIT {n} + 1", rel.qualified()), &p)
        )
    }

    /// `pageInfo`: whether rows lie beyond the page (one more row fetched) or before its cursor,
    /// and the page's first and last cursors.
    fn page_info(
        &mut self,
        sel: &Selected,
        child: &Selected,
        node: &'s ObjectType,
        rel: &'s Relation,
        page: &Page<'_>,
    ) -> String {
        let more = format!("{}.fetched > {}", page.pg, page.n);
        let (has_next, has_prev) = if page.backward {
            (
                self.beyond_cursor(sel, "before", page.keys, node, rel, false),
                more,
            )
        } else {
            (
                more,
                self.beyond_cursor(sel, "after", page.keys, node, rel, true),
            )
        };
        let info: Vec<(String, String)> = child
            .children
            .iter()
            .map(|f| {
                let e = match f.name.as_str() {
                    "hasNextPage" => has_next.clone(),
                    "hasPreviousPage" => has_prev.clone(),
                    "startCursor" => format!("{}.cursors->0", page.pg),
                    "endCursor" => format!("{}.cursors->-1", page.pg),
                    _ => quote_literal(crate::schema::generate::PAGE_INFO),
                };
                (f.key.clone(), e)
            })
            .collect();
        build_object(&info)
    }

    /// `totalCount`: its own count over the connection's filter, computed only when selected.
    fn total_count(&mut self, sel: &Selected, node: &'s ObjectType, rel: &'s Relation) -> String {
        let c = self.next_alias("v");
        let csrc = Src::Row {
            alias: c.clone(),
            rel,
        };
        let cond = match self.arg(sel, "where") {
            Some(w) => self.where_cond(node, &csrc, w, "where"),
            None => None,
        };
        let w = cond.map(|c| format!(" WHERE {c}")).unwrap_or_default();
        format!("(SELECT count(*) FROM {} {c}{w})", rel.qualified())
    }

    fn edge(
        &mut self,
        sel: &Selected,
        node: &'s ObjectType,
        keys: &[OrderKey],
        row: &Src<'s>,
    ) -> String {
        let pairs: Vec<(String, String)> = sel
            .children
            .iter()
            .map(|f| {
                let e = match f.name.as_str() {
                    "cursor" => Self::cursor_expr(keys, row),
                    "node" => self.project(node, row, &f.children),
                    _ => quote_literal(&format!("{}Edge", node.name)),
                };
                (f.key.clone(), e)
            })
            .collect();
        build_object(&pairs)
    }

    /// Whether rows exist on the far side of the `arg` cursor (at it, or beyond it walking back when
    /// `backward`): `hasPreviousPage` after `after`, `hasNextPage` before `before`. False without one.
    fn beyond_cursor(
        &mut self,
        sel: &Selected,
        arg: &str,
        keys: &[OrderKey],
        node: &'s ObjectType,
        rel: &'s Relation,
        backward: bool,
    ) -> String {
        let Some(cursor) = self
            .arg(sel, arg)
            .filter(|v| !v.is_null(self))
            .map(|v| v.source())
        else {
            return "false".into();
        };
        let x = self.next_alias("v");
        let src = Src::Row {
            alias: x.clone(),
            rel,
        };
        let mut conds = Vec::new();
        if let Some(w) = self.arg(sel, "where") {
            conds.extend(self.where_cond(node, &src, w, "where"));
        }
        let strictly = self.keyset_cond(keys, &src, cursor.clone(), backward);
        // The cursor's own row counts too: it is not on this page.
        let at = self.keyset_equal(keys, &src, cursor);
        conds.push(format!("({strictly} OR {at})"));
        format!(
            "EXISTS (SELECT 1 FROM {} {x} WHERE {})",
            rel.qualified(),
            conds.join(" AND ")
        )
    }

    fn keyset_equal(
        &mut self,
        keys: &[OrderKey],
        src: &Src<'_>,
        cursor: super::ParamSource,
    ) -> String {
        let count = keys.len();
        let parts: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(index, k)| {
                let (e, cast) = k.expr(src);
                let p = self.param(
                    super::ParamSource::CursorPart {
                        cursor: Box::new(cursor.clone()),
                        index,
                        count,
                    },
                    ParamType::Text,
                    Check::None,
                    "cursor",
                );
                format!("{e} IS NOT DISTINCT FROM {p}::{cast}")
            })
            .collect();
        format!("({})", parts.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{schema, sql};
    use crate::PageSizes;

    #[test]
    fn a_connection_page_with_cursors_and_page_info() {
        assert_eq!(
            sql("{ booksConnection(first: 2, orderBy: {pages: ASC}) { edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }", None),
            r#"SELECT json_build_object('data', json_build_object('booksConnection', (SELECT json_build_object('edges', pg3.c0, 'pageInfo', json_build_object('hasNextPage', pg3.fetched > $1, 'endCursor', pg3.cursors->-1)) FROM (SELECT count(*) AS fetched, coalesce(jsonb_agg(to_jsonb(translate(encode(convert_to(jsonb_build_array(to_jsonb(((p2d.__doc->>'pages')::numeric)), to_jsonb(p2."id"))::text, 'UTF8'), 'base64'), E'\n', '')) ORDER BY p2.__rn) FILTER (WHERE p2.__rn <= $1), '[]'::jsonb) AS cursors, coalesce(json_agg(json_build_object('cursor', translate(encode(convert_to(jsonb_build_array(to_jsonb(((p2d.__doc->>'pages')::numeric)), to_jsonb(p2."id"))::text, 'UTF8'), 'base64'), E'\n', ''), 'node', json_build_object('title', p2d.__doc->'title')) ORDER BY p2.__rn) FILTER (WHERE p2.__rn <= $1), '[]'::json) AS c0 FROM (SELECT v1.*, row_number() OVER (ORDER BY ((v1.data->>'pages')::numeric), v1."id") AS __rn FROM "public"."v_book" v1 ORDER BY ((v1.data->>'pages')::numeric), v1."id" LIMIT $1 + 1) p2 CROSS JOIN LATERAL (SELECT fraiseql._detoast(p2.data) AS __doc OFFSET 0) p2d) pg3)))"#
        );
    }

    #[test]
    fn after_a_cursor_adds_the_keyset_condition() {
        assert_eq!(
            sql(
                "query ($c: String) { booksConnection(first: 2, after: $c) { edges { node { title } } } }",
                Some(serde_json::json!({"c": "WyIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDEiXQ=="}))
            ),
            r#"SELECT json_build_object('data', json_build_object('booksConnection', (SELECT json_build_object('edges', pg3.c0) FROM (SELECT count(*) AS fetched, coalesce(jsonb_agg(to_jsonb(translate(encode(convert_to(jsonb_build_array(to_jsonb(p2."id"))::text, 'UTF8'), 'base64'), E'\n', '')) ORDER BY p2.__rn) FILTER (WHERE p2.__rn <= $2), '[]'::jsonb) AS cursors, coalesce(json_agg(json_build_object('node', json_build_object('title', p2d.__doc->'title')) ORDER BY p2.__rn) FILTER (WHERE p2.__rn <= $2), '[]'::json) AS c0 FROM (SELECT v1.*, row_number() OVER (ORDER BY v1."id") AS __rn FROM "public"."v_book" v1 WHERE ((($1::uuid IS NOT NULL AND (v1."id" > $1::uuid OR v1."id" IS NULL)))) ORDER BY v1."id" LIMIT $2 + 1) p2 CROSS JOIN LATERAL (SELECT fraiseql._detoast(p2.data) AS __doc OFFSET 0) p2d) pg3)))"#
        );
    }

    #[test]
    fn a_malformed_cursor_is_a_field_error() {
        let c = crate::compile(
            &schema(),
            r#"{ booksConnection(first: 2, after: "not a cursor") { edges { node { title } } } }"#,
            None,
            None,
            &PageSizes::default(),
        )
        .unwrap();
        assert_eq!(c.field_errors.len(), 1, "{:?}", c.field_errors);
        assert!(
            c.field_errors[0].message.contains("cursor"),
            "{:?}",
            c.field_errors
        );
    }
}
