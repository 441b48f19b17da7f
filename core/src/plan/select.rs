//! Projections and row sources: root fields, lists of view rows, single rows by id, embedded
//! objects and lists inside `data`, and `@relation` joins — all inside the one statement.
use super::aggregate::Rows;
use super::order::OrderKey;
use super::{build_object, detoast_join, fetched, Check, ParamType, Planner, Src};
use crate::names::{quote_ident, quote_literal};
use crate::request::collect::Selected;
use crate::schema::{FieldDef, Kind, ObjectRole, ObjectType, Relation, RootKind, UnionType};

impl<'s> Planner<'s> {
    pub(crate) fn root_field(&mut self, sel: &Selected) -> String {
        let schema = self.schema;
        if sel.name == "__typename" {
            return quote_literal(&schema.query_type);
        }
        if crate::schema::meta::is_entry_point(&sel.name) {
            // Computed from the schema model and sent as a parameter; arguments read at plan time.
            if sel
                .arguments
                .iter()
                .any(|(_, v)| matches!(v, crate::request::document::Value::Variable(_)))
            {
                self.dynamic = true;
            }
            let value = super::introspection::resolve_root(schema, sel, self.vars);
            let p = self.param(
                super::ParamSource::Json(value),
                ParamType::Text,
                Check::None,
                "introspection",
            );
            return format!("{p}::json");
        }
        let def = schema
            .query()
            .field(&sel.name)
            .expect("validated root field");
        if let Some(u) = schema.unions.get(def.ty.named()) {
            let rel = def
                .source
                .as_ref()
                .and_then(|s| s.relation.as_ref())
                .expect("bound schema: union root fields have a view");
            return self.union_list_query(sel, u, rel);
        }
        let returned = &schema.types[def.ty.named()];
        let node = match &returned.role {
            ObjectRole::Connection { node } | ObjectRole::Aggregate { node, .. } => {
                &schema.types[node]
            }
            _ => returned,
        };
        let rel = def
            .source
            .as_ref()
            .and_then(|s| s.relation.as_ref())
            .or_else(|| node.relation())
            .expect("bound schema: root fields read a relation");
        match def.root.expect("root fields have a kind") {
            RootKind::List => self.list_query(sel, node, rel, None),
            RootKind::ById => self.by_id(sel, node, rel),
            RootKind::Connection => self.connection(sel, returned, node, rel),
            RootKind::Aggregate => {
                let filter = self.arg(sel, "where");
                self.aggregate(sel, node, Rows::Relation { rel, join: None }, filter)
            }
        }
    }

    /// `(SELECT json_agg(…) FROM (SELECT * FROM rel WHERE … ORDER BY … LIMIT … OFFSET …) t)`: the
    /// aggregate reads the rows in the subquery's order (a nested loop over it), so it sorts nothing.
    /// `join` is (remote column, local expression) for a one-to-many `@relation`.
    pub(crate) fn list_query(
        &mut self,
        sel: &Selected,
        ty: &'s ObjectType,
        rel: &'s Relation,
        join: Option<(String, String)>,
    ) -> String {
        let v = self.next_alias("v");
        let t = self.next_alias("t");
        let inner = Src::Row {
            alias: v.clone(),
            rel,
        };
        let mut conds = Vec::new();
        if let Some((remote, local)) = &join {
            conds.push(format!("{v}.{} = {local}", quote_ident(remote)));
        }
        if let Some(w) = self.arg(sel, "where") {
            if let Some(c) = self.where_cond(ty, &inner, w, "where") {
                conds.push(c);
            }
        }
        let mut keys = self.order_keys(ty, sel);
        keys.push(OrderKey::id());
        let limit = self.limit_sql(sel);
        let offset = self.arg_param(sel, "offset", ParamType::Int8, Check::NonNegative);
        let outer = Src::Fetched {
            alias: t.clone(),
            rel,
        };
        let proj = self.project(ty, &outer, &sel.children);
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        format!(
            "(SELECT coalesce(json_agg({proj}), '[]'::json) FROM {})",
            fetched(
                &format!(
                    "SELECT * FROM {} {v}{where_sql} ORDER BY {} LIMIT {limit} OFFSET {offset}",
                    rel.qualified(),
                    OrderKey::render_all(&keys, &inner)
                ),
                &t
            ),
        )
    }

    /// One row by id. Its document is read once through [`fetched`] (for a view, `data` is computed
    /// once; for a table, decompressed once), however many fields the projection reads.
    /// Rows of a view whose documents are of several member types, told apart by the discriminator.
    fn union_list_query(&mut self, sel: &Selected, u: &'s UnionType, rel: &'s Relation) -> String {
        let v = self.next_alias("v");
        let t = self.next_alias("t");
        let keys = [OrderKey::id()];
        let limit = self.limit_sql(sel);
        let offset = self.arg_param(sel, "offset", ParamType::Int8, Check::NonNegative);
        let outer = Src::Fetched {
            alias: t.clone(),
            rel,
        };
        let proj = self.union_projection(u, &outer, sel);
        let rows = format!(
            "SELECT * FROM {} {v} ORDER BY {} LIMIT {limit} OFFSET {offset}",
            rel.qualified(),
            OrderKey::render_all(
                &keys,
                &Src::Row {
                    alias: v.clone(),
                    rel
                }
            )
        );
        format!(
            "(SELECT coalesce(json_agg({proj}), '[]'::json) FROM {})",
            fetched(&rows, &t)
        )
    }

    /// `CASE doc->>'kind' WHEN 'user' THEN <User projection> … END` (an unknown kind is null).
    pub(crate) fn union_projection(
        &mut self,
        u: &'s UnionType,
        src: &Src<'s>,
        sel: &Selected,
    ) -> String {
        let schema = self.schema;
        let key = u
            .discriminator
            .as_ref()
            .map(|d| d.key.clone())
            .unwrap_or_else(|| "__typename".into());
        let mut out = format!("CASE {}->>{}", src.doc(), quote_literal(&key));
        for (stored, member) in u.member_values() {
            let children = sel
                .by_type
                .iter()
                .find(|(m, _)| *m == member)
                .map(|(_, c)| c.clone())
                .unwrap_or_default();
            let proj = self.project(&schema.types[&member], src, &children);
            out.push_str(&format!(" WHEN {} THEN {proj}", quote_literal(&stored)));
        }
        out.push_str(" END");
        out
    }

    fn by_id(&mut self, sel: &Selected, ty: &'s ObjectType, rel: &'s Relation) -> String {
        let t = self.next_alias("t");
        let cond = match rel.column_type("id") {
            Some(col_ty) => {
                let check = match col_ty {
                    "uuid" => Check::Uuid,
                    "integer" | "bigint" | "smallint" => Check::Integer,
                    _ => Check::None,
                };
                let p = self.arg_param(sel, "id", ParamType::Text, check);
                format!("{t}.\"id\" = {p}::{col_ty}")
            }
            None => {
                let p = self.arg_param(sel, "id", ParamType::Text, Check::None);
                format!("{t}.data->>'id' = {p}")
            }
        };
        let proj = self.project(
            ty,
            &Src::Fetched {
                alias: t.clone(),
                rel,
            },
            &sel.children,
        );
        format!(
            "(SELECT {proj} FROM {} {t} {} WHERE {cond} LIMIT 1)",
            rel.qualified(),
            detoast_join(&t)
        )
    }

    /// `json_build_object` of exactly the selected fields of `ty`, read from `src`.
    pub(crate) fn project(
        &mut self,
        ty: &'s ObjectType,
        src: &Src<'s>,
        selection: &[Selected],
    ) -> String {
        let mut pairs = Vec::with_capacity(selection.len());
        for sel in selection {
            let expr = if sel.name == "__typename" {
                quote_literal(&ty.name)
            } else {
                let def = ty.field(&sel.name).expect("validated field");
                if def.aggregates.is_some() {
                    self.nested_aggregate(ty, def, src, sel)
                } else {
                    self.field_value(def, src, sel)
                }
            };
            pairs.push((sel.key.clone(), expr));
        }
        build_object(&pairs)
    }

    fn field_value(&mut self, def: &'s FieldDef, src: &Src<'s>, sel: &Selected) -> String {
        let schema = self.schema;
        let value = format!("{}->{}", src.doc(), quote_literal(&def.key));
        match schema.kind(def.ty.named()) {
            Some(Kind::Union(u)) if def.ty.is_list() => {
                let n = self.next_number();
                let item = self.union_projection(u, &Src::Doc(format!("e{n}")), sel);
                format!("CASE WHEN jsonb_typeof({value}) = 'array' THEN coalesce((SELECT json_agg(CASE WHEN jsonb_typeof(e{n}) = 'object' THEN {item} END) FROM jsonb_array_elements({value}) AS a{n}(e{n})), '[]'::json) END")
            }
            Some(Kind::Union(u)) => {
                let proj = self.union_projection(u, &Src::Doc(value.clone()), sel);
                format!("CASE WHEN jsonb_typeof({value}) = 'object' THEN {proj} END")
            }
            Some(Kind::Enum(e)) if e.mapping().is_some() => {
                let mapping = e.mapping().expect("checked");
                let case = |x: &str| enum_output(&mapping, x);
                if def.ty.is_list() {
                    let n = self.next_number();
                    format!("CASE WHEN jsonb_typeof({value}) = 'array' THEN coalesce((SELECT json_agg({}) FROM jsonb_array_elements_text({value}) AS a{n}(e{n})), '[]'::json) END", case(&format!("e{n}")))
                } else {
                    case(&format!("{}->>{}", src.doc(), quote_literal(&def.key)))
                }
            }
            Some(Kind::Object(child)) if def.relation.is_some() => {
                self.relation_value(def, child, src, sel)
            }
            Some(Kind::Object(child)) if def.ty.is_list() => self.embedded_list(child, &value, sel),
            Some(Kind::Object(child)) => {
                let proj = self.project(child, &Src::Doc(value.clone()), &sel.children);
                format!("CASE WHEN jsonb_typeof({value}) = 'object' THEN {proj} END")
            }
            _ => value,
        }
    }

    /// A list embedded in the parent's document; `where`, `orderBy`, `limit`, `offset` apply to its elements.
    fn embedded_list(&mut self, child: &'s ObjectType, value: &str, sel: &Selected) -> String {
        let n = self.next_number();
        let (e, o) = (format!("e{n}"), format!("o{n}"));
        let item_src = Src::Doc(e.clone());
        let has_args = ["where", "orderBy", "limit", "offset"]
            .iter()
            .any(|a| self.arg(sel, a).is_some());
        let proj = self.project(child, &item_src, &sel.children);
        let item = format!("CASE WHEN jsonb_typeof({e}) = 'object' THEN {proj} END");
        if !has_args {
            // The elements are aggregated in the order the function returns them: the array's.
            return format!("CASE WHEN jsonb_typeof({value}) = 'array' THEN coalesce((SELECT json_agg({item}) FROM jsonb_array_elements({value}) AS a{n}({e})), '[]'::json) END");
        }
        let elements = format!("jsonb_array_elements({value}) WITH ORDINALITY AS a{n}({e}, {o})");
        let cond = match self.arg(sel, "where") {
            Some(w) => self
                .where_cond(child, &item_src, w, "where")
                .unwrap_or_else(|| "TRUE".into()),
            None => "TRUE".into(),
        };
        let keys = self.order_keys(child, sel);
        let mut order = OrderKey::render_all(&keys, &item_src);
        if !order.is_empty() {
            order.push_str(", ");
        }
        order.push_str(&o);
        let limit = self.arg_param(sel, "limit", ParamType::Int8, Check::NonNegative);
        let offset = self.arg_param(sel, "offset", ParamType::Int8, Check::NonNegative);
        format!(
            "CASE WHEN jsonb_typeof({value}) = 'array' THEN coalesce((SELECT json_agg({item}) FROM (SELECT {e} FROM {elements} WHERE {cond} ORDER BY {order} LIMIT {limit} OFFSET {offset}) s{n}), '[]'::json) END"
        )
    }

    /// A `@relation`'s joined view and the expression its remote column must equal.
    pub(crate) fn relation_join(
        rd: &'s crate::schema::RelationDef,
        src: &Src<'_>,
    ) -> (&'s Relation, String) {
        let rel = rd
            .source
            .relation
            .as_ref()
            .expect("bound schema: relations have a view");
        let remote_type = rel
            .column_type(&rd.remote)
            .expect("bound schema: the remote column exists");
        (rel, Self::join_local(src, &rd.local, remote_type))
    }

    /// The local side of a relation join: a real column, or the JSONB key cast to the remote column's type.
    pub(crate) fn join_local(src: &Src<'_>, local: &str, remote_type: &str) -> String {
        match src.column(local) {
            Some((col, _)) => col,
            None => format!("({}->>{})::{remote_type}", src.doc(), quote_literal(local)),
        }
    }

    fn relation_value(
        &mut self,
        def: &'s FieldDef,
        child: &'s ObjectType,
        src: &Src<'s>,
        sel: &Selected,
    ) -> String {
        let rd = def.relation.as_ref().expect("checked by caller");
        let (rel, local) = Self::relation_join(rd, src);
        if def.ty.is_list() {
            return self.list_query(sel, child, rel, Some((rd.remote.clone(), local)));
        }
        let t = self.next_alias("t");
        let proj = self.project(
            child,
            &Src::Fetched {
                alias: t.clone(),
                rel,
            },
            &sel.children,
        );
        format!(
            "(SELECT {proj} FROM {} {t} {} WHERE {t}.{} = {local} LIMIT 1)",
            rel.qualified(),
            detoast_join(&t),
            quote_ident(&rd.remote)
        )
    }
}

/// `CASE x WHEN '<stored>' THEN '<GraphQL name>' … END`: an enum's stored value (SQL text `x`) as the
/// value the response shows, for an enum whose values are stored under other names.
pub(crate) fn enum_output(mapping: &[(String, String)], x: &str) -> String {
    enum_case(x, mapping.iter().map(|(stored, gql)| (stored, gql)))
}

/// `CASE x WHEN '<a>' THEN '<b>' … END` over (when, then) pairs of an enum's names.
pub(crate) fn enum_case<'m>(
    x: &str,
    arms: impl Iterator<Item = (&'m String, &'m String)>,
) -> String {
    let arms: String = arms
        .map(|(when, then)| format!(" WHEN {} THEN {}", quote_literal(when), quote_literal(then)))
        .collect();
    format!("CASE {x}{arms} END")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::sql;

    #[test]
    fn a_list_projects_the_selection_from_each_row_once() {
        assert_eq!(
            sql("{ books(limit: 3) { title pages } }", None),
            r#"SELECT json_build_object('data', json_build_object('books', (SELECT coalesce(json_agg(json_build_object('title', t2d.__doc->'title', 'pages', t2d.__doc->'pages')), '[]'::json) FROM (SELECT * FROM "public"."v_book" v1 ORDER BY v1."id" LIMIT 3 OFFSET $2) t2 CROSS JOIN LATERAL (SELECT fraiseql._detoast(t2.data) AS __doc OFFSET 0) t2d)))"#
        );
    }

    #[test]
    fn by_id_reads_one_row_and_follows_a_relation() {
        assert_eq!(
            sql(
                r#"{ book(id: "00000000-0000-0000-0000-000000000001") { __typename title author { name } } }"#,
                None
            ),
            r#"SELECT json_build_object('data', json_build_object('book', (SELECT json_build_object('__typename', 'Book', 'title', t1d.__doc->'title', 'author', (SELECT json_build_object('name', t2d.__doc->'name') FROM "public"."v_author" t2 CROSS JOIN LATERAL (SELECT fraiseql._detoast(t2.data) AS __doc OFFSET 0) t2d WHERE t2."id" = t1."author_id" LIMIT 1)) FROM "public"."v_book" t1 CROSS JOIN LATERAL (SELECT fraiseql._detoast(t1.data) AS __doc OFFSET 0) t1d WHERE t1."id" = $1::uuid LIMIT 1)))"#
        );
    }
}
