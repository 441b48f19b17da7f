//! `orderBy`: sort keys (the id always last, so the order is total), their SQL, and the keyset
//! conditions and cursors that Relay connections page with.
use super::filter::leaf_expr;
use super::value::Val;
use super::{ParamSource, Planner, Src};
use crate::names::did_you_mean;
use crate::request::collect::Selected;
use crate::schema::generate::DIRECTIONS;
use crate::schema::{Kind, ObjectType};

/// One sort key: a JSONB path (or a real column), its scalar, its direction and null placement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderKey {
    pub path: Vec<String>,
    pub scalar: String,
    pub desc: bool,
    pub nulls_first: bool,
}

impl OrderKey {
    /// The tie-breaker every row ordering ends with.
    pub(crate) fn id() -> OrderKey {
        OrderKey {
            path: vec!["id".into()],
            scalar: "ID".into(),
            desc: false,
            nulls_first: false,
        }
    }

    pub(crate) fn expr(&self, src: &Src<'_>) -> (String, String) {
        leaf_expr(src, &self.path, &self.scalar)
    }

    pub(crate) fn direction_sql(&self, reverse: bool) -> &'static str {
        direction_sql(self.desc != reverse, self.nulls_first != reverse)
    }

    pub(crate) fn render_all(keys: &[OrderKey], src: &Src<'_>) -> String {
        Self::render(keys, src, false)
    }

    pub(crate) fn render(keys: &[OrderKey], src: &Src<'_>, reverse: bool) -> String {
        keys.iter()
            .map(|k| format!("{}{}", k.expr(src).0, k.direction_sql(reverse)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// ` DESC`, ` NULLS FIRST`, …: a sort direction's SQL, Postgres's defaults (ASC NULLS LAST, DESC
/// NULLS FIRST) left implicit.
pub(crate) fn direction_sql(desc: bool, nulls_first: bool) -> &'static str {
    match (desc, nulls_first) {
        (false, false) => "",
        (false, true) => " NULLS FIRST",
        (true, false) => " DESC NULLS LAST",
        (true, true) => " DESC",
    }
}

impl<'s> Planner<'s> {
    /// An `OrderDirection` value as (descending, nulls first); a field error names `name` in
    /// `context` (`orderBy`, `groups(orderBy:)`).
    pub(crate) fn direction(
        &mut self,
        value: Val<'_>,
        context: &str,
        name: &str,
    ) -> Option<(bool, bool)> {
        let Some(dir) = value.name(self) else {
            self.field_error(format!(
                "{context} on \"{name}\" needs a direction: ASC or DESC."
            ));
            return None;
        };
        let Some((_, sql)) = DIRECTIONS.iter().find(|(n, _)| *n == dir) else {
            self.field_error(format!(
                "Unknown direction \"{dir}\" in {context} on \"{name}\"."
            ));
            return None;
        };
        Some((sql.starts_with("DESC"), sql.ends_with("FIRST")))
    }

    /// The keys of the `orderBy` argument of `sel` (without the id tie-breaker).
    pub(crate) fn order_keys(&mut self, ty: &'s ObjectType, sel: &Selected) -> Vec<OrderKey> {
        let Some(arg) = self.arg(sel, "orderBy") else {
            return vec![];
        };
        let mut keys = Vec::new();
        for (i, entry) in arg.items(self).into_iter().enumerate() {
            let (name, value) = match entry.single_entry(self) {
                Ok(one) => one,
                Err(n) => {
                    self.field_error(format!("orderBy entry {i} sets {n} fields; set exactly one per entry, e.g. [{{name: ASC}}, {{id: DESC}}]."));
                    continue;
                }
            };
            self.order_key(ty, vec![], &name, value, &mut keys);
        }
        keys
    }

    pub(crate) fn order_key(
        &mut self,
        ty: &'s ObjectType,
        mut path: Vec<String>,
        name: &str,
        value: Val<'_>,
        keys: &mut Vec<OrderKey>,
    ) {
        let schema = self.schema;
        let Some(def) = ty.field(name) else {
            let hint = did_you_mean(name, ty.field_names());
            self.field_error(format!(
                "Unknown field \"{name}\" in orderBy on type \"{}\".{hint}",
                ty.name
            ));
            return;
        };
        path.push(def.key.clone());
        match schema.kind(def.ty.named()) {
            Some(Kind::Object(child)) if !def.ty.is_list() && def.relation.is_none() => {
                match value.single_entry(self) {
                    Ok((n, v)) => self.order_key(child, path, &n, v, keys),
                    Err(n) => self.field_error(format!(
                        "orderBy on \"{name}\" sets {n} fields; set exactly one."
                    )),
                }
            }
            Some(Kind::Scalar(_) | Kind::Enum(_)) if !def.ty.is_list() => {
                let Some((desc, nulls_first)) = self.direction(value, "orderBy", name) else {
                    return;
                };
                keys.push(OrderKey {
                    path,
                    scalar: def.ty.named().to_string(),
                    desc,
                    nulls_first,
                });
            }
            _ => self.field_error(format!(
                "Field \"{name}\" cannot be ordered by (lists and relations have no single value)."
            )),
        }
    }

    /// The condition "row comes after (or, with `before`, before) the cursor" for `keys`, whose
    /// cursor values are parameters decoded from `cursor`. Null-safe for every null placement.
    pub(crate) fn keyset_cond(
        &mut self,
        keys: &[OrderKey],
        src: &Src<'_>,
        cursor: ParamSource,
        before: bool,
    ) -> String {
        let count = keys.len();
        let mut values = Vec::with_capacity(count);
        for (index, k) in keys.iter().enumerate() {
            let (_, cast) = k.expr(src);
            let p = self.param(
                ParamSource::CursorPart {
                    cursor: Box::new(cursor.clone()),
                    index,
                    count,
                },
                super::ParamType::Text,
                super::Check::None,
                if before {
                    "argument \"before\""
                } else {
                    "argument \"after\""
                },
            );
            values.push(format!("{p}::{cast}"));
        }
        let mut disjuncts = Vec::with_capacity(count);
        for i in 0..count {
            let mut conj: Vec<String> = (0..i)
                .map(|j| format!("{} IS NOT DISTINCT FROM {}", keys[j].expr(src).0, values[j]))
                .collect();
            let k = &keys[i];
            let (e, c) = (k.expr(src).0, &values[i]);
            // "Strictly beyond c in this key's order", reading the order backwards for `before`.
            let greater = k.desc == before;
            let nulls_beyond = k.nulls_first == before; // nulls sort after every value in the direction we walk
            let cmp = if greater { ">" } else { "<" };
            let beyond = if nulls_beyond {
                format!("({c} IS NOT NULL AND ({e} {cmp} {c} OR {e} IS NULL))")
            } else {
                format!("(({c} IS NULL AND {e} IS NOT NULL) OR {e} {cmp} {c})")
            };
            conj.push(beyond);
            disjuncts.push(format!("({})", conj.join(" AND ")));
        }
        format!("({})", disjuncts.join(" OR "))
    }

    /// The cursor of a row: its sort-key values as a JSON array, base64-encoded.
    pub(crate) fn cursor_expr(keys: &[OrderKey], src: &Src<'_>) -> String {
        let values: Vec<String> = keys
            .iter()
            .map(|k| format!("to_jsonb({})", k.expr(src).0))
            .collect();
        format!("translate(encode(convert_to(jsonb_build_array({})::text, 'UTF8'), 'base64'), E'\\n', '')", values.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{schema, sql};
    use crate::PageSizes;

    #[test]
    fn order_keys_then_the_id_for_stable_pages() {
        assert_eq!(
            sql(
                "{ books(orderBy: [{pages: DESC}, {title: ASC_NULLS_FIRST}], limit: 5) { title } }",
                None
            ),
            r#"SELECT json_build_object('data', json_build_object('books', (SELECT coalesce(json_agg(json_build_object('title', t2d.__doc->'title')), '[]'::json) FROM (SELECT * FROM "public"."v_book" v1 ORDER BY ((v1.data->>'pages')::numeric) DESC, v1."title" NULLS FIRST, v1."id" LIMIT 5 OFFSET $2) t2 CROSS JOIN LATERAL (SELECT fraiseql._detoast(t2.data) AS __doc OFFSET 0) t2d)))"#
        );
    }

    #[test]
    fn an_unknown_order_field_or_direction_is_a_field_error() {
        for q in [
            "{ books(orderBy: {titel: ASC}) { title } }",
            r#"{ books(orderBy: {title: "UP"}) { title } }"#,
        ] {
            let c = crate::compile(&schema(), q, None, None, &PageSizes::default());
            match c {
                Ok(c) => assert!(
                    !c.field_errors.is_empty() || !c.plan.errors.is_empty(),
                    "{q}"
                ),
                Err(e) => assert!(!e.is_empty(), "{q}"),
            }
        }
    }
}
