//! `where`: a typed filter compiled to an SQL condition. A real column of the view is used when one
//! has the field's key as its name (so indexes apply); otherwise the JSONB path, cast to the field's
//! type so numbers, booleans and times compare as such. Unknown fields and operators are errors.
use super::value::Val;
use super::{Check, ParamType, Planner, Src};
use crate::names::{did_you_mean, quote_ident, quote_literal};
use crate::schema::operator::{Operand, Operator, Sql};
use crate::schema::{FieldDef, Kind, ObjectType};

/// The SQL type a JSONB value of a GraphQL scalar is cast to for comparison.
pub(crate) fn scalar_cast(scalar: &str) -> &'static str {
    match scalar {
        "Int" | "Float" => "numeric",
        "DateTime" => "timestamptz",
        "Date" => "date",
        "Boolean" => "boolean",
        _ => "text",
    }
}

/// A comparable expression for the value at `path` (JSONB keys) of `src`, and the SQL type to cast
/// operands to.
pub(crate) fn leaf_expr(src: &Src<'_>, path: &[String], scalar: &str) -> (String, String) {
    if let [key] = path {
        if let Some((col, ty)) = src.column(key) {
            return (col, ty);
        }
    }
    let (last, parents) = path.split_last().expect("a leaf path is never empty");
    let mut doc = src.doc();
    for p in parents {
        doc = format!("{doc}->{}", quote_literal(p));
    }
    let cast = scalar_cast(scalar);
    let text = format!("({doc}->>{})", quote_literal(last));
    if cast == "text" {
        (text, cast.to_string())
    } else {
        (format!("({text}::{cast})"), cast.to_string())
    }
}

/// `x` (a GraphQL enum value's SQL text) as the value the documents store: an enum whose values are
/// stored under other names (`@stored`) maps each name; other enums and scalars are as they are.
fn stored_value(mapping: Option<&[(String, String)]>, x: &str) -> String {
    match mapping {
        Some(m) => format!(
            "({})",
            super::select::enum_case(x, m.iter().map(|(stored, gql)| (gql, stored)))
        ),
        None => x.to_string(),
    }
}

/// Conditions AND-ed: none is no condition, one is itself, more are parenthesized.
pub(crate) fn and_all(mut parts: Vec<String>) -> Option<String> {
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(format!("({})", parts.join(" AND "))),
    }
}

/// A value filters compare: its comparable expression and SQL type, the real column it is (if
/// any) and its `jsonb` form (for JSON operators and `isnull`).
pub(crate) struct Leaf {
    pub expr: String,
    pub cast: String,
    pub column: Option<(String, String)>,
    pub jsonb: String,
}

impl Leaf {
    /// Field `key` of `src`: its real column, else its JSONB value cast to `scalar`'s SQL type.
    pub(crate) fn of_field(src: &Src<'_>, key: &str, scalar: &str) -> Leaf {
        let (expr, cast) = leaf_expr(src, std::slice::from_ref(&key.to_string()), scalar);
        let column = src.column(key);
        // A JSON null inside the document means "no value", exactly like SQL NULL in a column.
        let jsonb = match &column {
            Some((col, ty)) if ty == "jsonb" => col.clone(),
            _ => format!(
                "nullif({}->{}, 'null'::jsonb)",
                src.doc(),
                quote_literal(key)
            ),
        };
        Leaf {
            expr,
            cast,
            column,
            jsonb,
        }
    }

    /// A computed value (an aggregate) of SQL type `cast`, tested like a column.
    pub(crate) fn computed(expr: String, cast: &str) -> Leaf {
        Leaf {
            jsonb: format!("to_jsonb({expr})"),
            column: Some((expr.clone(), cast.to_string())),
            expr,
            cast: cast.to_string(),
        }
    }
}

impl<'s> Planner<'s> {
    /// `AND: […]`, `OR: […]` or `NOT: {…}` of a filter-like input (`where`, `having`): each operand's
    /// condition by `cond`, joined. `AND: []` is true, `OR: []` false; a `NOT` of nothing is no condition.
    pub(crate) fn connective<'v>(
        &mut self,
        name: &str,
        v: Val<'v>,
        mut cond: impl FnMut(&mut Self, Val<'v>) -> Option<String>,
    ) -> Option<String>
    where
        's: 'v,
    {
        if name == "NOT" {
            return cond(self, v).map(|c| format!("NOT {c}"));
        }
        let subs: Vec<String> = v
            .items(self)
            .into_iter()
            .filter_map(|i| cond(self, i))
            .collect();
        Some(match (subs.is_empty(), name) {
            (true, "AND") => "TRUE".to_string(),
            (true, _) => "FALSE".to_string(),
            (false, op) => format!("({})", subs.join(&format!(" {op} "))),
        })
    }

    /// The condition for a `<Type>Where` value on objects read from `src`; `None` for no condition.
    pub(crate) fn where_cond(
        &mut self,
        ty: &'s ObjectType,
        src: &Src<'s>,
        w: Val<'_>,
        path: &str,
    ) -> Option<String> {
        if w.is_null(self) {
            return None;
        }
        let mut parts = Vec::new();
        for (name, v) in w.entries(self) {
            let here = format!("{path}.{name}");
            match name.as_str() {
                "AND" | "OR" | "NOT" => {
                    parts.extend(self.connective(&name, v, |p, i| p.where_cond(ty, src, i, &here)))
                }
                field => {
                    let Some(def) = ty.field(field) else {
                        let hint = did_you_mean(field, ty.field_names());
                        self.field_error(format!(
                            "Unknown field \"{field}\" in {path} on type \"{}\".{hint}",
                            ty.name
                        ));
                        continue;
                    };
                    if v.is_null(self) {
                        self.field_error(format!("The filter {here} is null; to match missing values use {{isnull: true}} on a field."));
                        continue;
                    }
                    if let Some(c) = self.field_cond(def, src, v, &here) {
                        parts.push(c);
                    }
                }
            }
        }
        and_all(parts)
    }

    fn field_cond(
        &mut self,
        def: &'s FieldDef,
        src: &Src<'s>,
        v: Val<'_>,
        path: &str,
    ) -> Option<String> {
        let schema = self.schema;
        let child = match schema.kind(def.ty.named()) {
            Some(Kind::Object(child)) => child,
            _ => return self.scalar_cond(def, src, v, path),
        };
        let k = self.next_number();
        if let Some(rd) = &def.relation {
            let (rel, local) = Self::relation_join(rd, src);
            let r = format!("f{k}");
            let inner = Src::Row {
                alias: r.clone(),
                rel,
            };
            let cond = self
                .where_cond(child, &inner, v, path)
                .unwrap_or_else(|| "TRUE".into());
            return Some(format!(
                "EXISTS (SELECT 1 FROM {} {r} WHERE {r}.{} = {local} AND {cond})",
                rel.qualified(),
                quote_ident(&rd.remote)
            ));
        }
        let value = format!("{}->{}", src.doc(), quote_literal(&def.key));
        if def.ty.is_list() {
            let e = format!("f{k}");
            let cond = self
                .where_cond(child, &Src::Doc(e.clone()), v, path)
                .unwrap_or_else(|| "TRUE".into());
            Some(format!(
                "EXISTS (SELECT 1 FROM {} WHERE {cond})",
                super::array_elements(&value, &format!("x{k}"), &e)
            ))
        } else {
            self.where_cond(child, &Src::Doc(value), v, path)
        }
    }

    fn scalar_cond(
        &mut self,
        def: &FieldDef,
        src: &Src<'s>,
        v: Val<'_>,
        path: &str,
    ) -> Option<String> {
        let leaf = Leaf::of_field(src, &def.key, def.ty.named());
        self.operators_cond(
            &leaf,
            def.ty.named(),
            def.ty.is_list(),
            &def.ty.to_string(),
            v,
            path,
        )
    }

    /// The operators of a `<Scalar>Filter` value `v` applied to `leaf` (of GraphQL type `scalar`,
    /// `label` for messages), AND-ed; unknown operators are field errors.
    pub(crate) fn operators_cond(
        &mut self,
        leaf: &Leaf,
        scalar: &str,
        list: bool,
        label: &str,
        v: Val<'_>,
        path: &str,
    ) -> Option<String> {
        let operand = Operand::of(self.schema, scalar, list);
        let mut parts = Vec::new();
        for (name, value) in v.entries(self) {
            let Some(sql) = Operator::from_name(&name).and_then(|op| op.sql(operand)) else {
                let allowed = Operator::of(operand).iter().map(|op| op.name());
                let hint = did_you_mean(&name, allowed);
                self.field_error(format!(
                    "Unknown operator \"{name}\" in {path} for {label}.{hint}"
                ));
                continue;
            };
            let what = format!("filter {path}.{name}");
            parts.push(self.operator_cond(leaf, scalar, sql, value, what));
        }
        and_all(parts)
    }

    /// One operator's condition on `leaf`, its operand bound as a parameter. Long by design: one
    /// exhaustive arm per kind of SQL an operator compiles to (`schema::operator::Sql`).
    fn operator_cond(
        &mut self,
        leaf: &Leaf,
        scalar: &str,
        sql: Sql,
        operand: Val<'_>,
        what: String,
    ) -> String {
        let Leaf {
            expr,
            cast,
            column,
            jsonb,
        } = leaf;
        let (expr, cast, jsonb) = (expr.as_str(), cast.as_str(), jsonb.as_str());
        // An enum whose values are stored under other names compares stored values.
        let mapping = match self.schema.kind(scalar) {
            Some(Kind::Enum(e)) => e.mapping(),
            _ => None,
        };
        let to_stored = |x: &str| stored_value(mapping.as_deref(), x);
        let param_checked = |p: &mut Self, ty: ParamType, check: Check| {
            p.param(operand.source(), ty, check, what.clone())
        };
        let param = |p: &mut Self, ty: ParamType| param_checked(p, ty, Check::NotNull);
        // A value compared with a uuid column is checked before SQL (as `id:` arguments are), so a
        // malformed one is the client's error, not a failed cast in the database.
        let value_check = if cast == "uuid" {
            Check::UuidOperand
        } else {
            Check::NotNull
        };
        match sql {
            Sql::IsNull => {
                let test = match &column {
                    Some((col, _)) => format!("{col} IS NULL"),
                    None => format!("{jsonb} IS NULL"),
                };
                let p = param(self, ParamType::Text);
                format!("(({test}) = {p}::boolean)")
            }
            Sql::Array(op) => match column.as_ref().filter(|(_, ty)| ty.ends_with("[]")) {
                Some((col, ty)) => {
                    let p = param(self, ParamType::TextArray);
                    format!("{col} {op} {p}::text[]::{ty}")
                }
                None if op == "&&" => {
                    let p = param_checked(self, ParamType::Text, Check::JsonList);
                    format!(
                        "EXISTS (SELECT 1 FROM {} WHERE {p}::jsonb @> jsonb_build_array(ov.x))",
                        super::array_elements(jsonb, "ov", "x")
                    )
                }
                None => format!(
                    "{jsonb} {op} {}::jsonb",
                    param_checked(self, ParamType::Text, Check::JsonList)
                ),
            },
            Sql::Jsonb(op) => format!(
                "{jsonb} {op} {}::jsonb",
                param_checked(self, ParamType::Text, Check::Json)
            ),
            Sql::HasKey => format!("{jsonb} ? {}::text", param(self, ParamType::Text)),
            Sql::Compare(op) => {
                let p = param_checked(self, ParamType::Text, value_check);
                format!("{expr} {op} {}::{cast}", to_stored(&format!("{p}::text")))
            }
            Sql::AnyOf | Sql::NoneOf => {
                let p = param_checked(self, ParamType::TextArray, value_check);
                let list = if mapping.is_some() {
                    format!(
                        "ARRAY(SELECT {} FROM unnest({p}::text[]) AS m(x))",
                        to_stored("m.x")
                    )
                } else {
                    format!("{p}::text[]")
                };
                if sql == Sql::AnyOf {
                    format!("{expr} = ANY({list}::{cast}[])")
                } else {
                    format!("{expr} <> ALL({list}::{cast}[])")
                }
            }
            Sql::Substring {
                case_insensitive: false,
            } => {
                format!(
                    "strpos({expr}::text, {}::text) > 0",
                    param(self, ParamType::Text)
                )
            }
            Sql::Substring {
                case_insensitive: true,
            } => format!(
                "strpos(lower({expr}::text), lower({}::text)) > 0",
                param(self, ParamType::Text)
            ),
            Sql::Prefix => {
                format!(
                    "starts_with({expr}::text, {}::text)",
                    param(self, ParamType::Text)
                )
            }
            Sql::Suffix => {
                let p = param(self, ParamType::Text);
                format!("right({expr}::text, length({p}::text)) = {p}::text")
            }
            Sql::Pattern(op) => format!(
                "{expr}::text {op} {}::text",
                param_checked(self, ParamType::Text, Check::Pattern)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{book_row, planner, schema, value};
    use super::super::ParamType;
    use super::*;
    use crate::request::variables::Variables;

    /// The condition `where` compiles to on a `v_book` row `t`, the parameters' types, and the
    /// field errors.
    fn cond(literal: &str) -> (Option<String>, Vec<ParamType>, Vec<String>) {
        let s = schema();
        let vars = Variables::new();
        let mut p = planner(&s, &vars);
        let w = value(literal);
        let c = p.where_cond(&s.types["Book"], &book_row(&s), Val::Ast(&w), "where");
        let types = p.params.iter().map(|x| x.ty).collect();
        (c, types, p.errors.into_iter().map(|e| e.message).collect())
    }

    fn ok(literal: &str) -> String {
        let (c, _, errors) = cond(literal);
        assert!(errors.is_empty(), "{literal}: {errors:?}");
        c.unwrap_or_else(|| panic!("{literal}: no condition"))
    }

    #[test]
    fn a_real_column_is_compared_directly() {
        assert_eq!(
            ok(r#"{title: {eq: "Dune"}}"#),
            r#"t."title" = $1::text::text"#
        );
    }

    #[test]
    fn a_jsonb_path_is_cast_to_the_field_type() {
        assert_eq!(
            ok("{pages: {gt: 100}}"),
            "((t.data->>'pages')::numeric) > $1::text::numeric"
        );
        assert_eq!(
            ok(r#"{published: {lte: "2024-01-31"}}"#),
            "((t.data->>'published')::date) <= $1::text::date"
        );
    }

    #[test]
    fn an_enum_compares_its_stored_values() {
        assert_eq!(
            ok("{status: {in: [DRAFT]}}"),
            "(t.data->>'status') = ANY(ARRAY(SELECT (CASE m.x WHEN 'DRAFT' THEN 'draft' WHEN 'PUBLISHED' THEN 'published' END) FROM unnest($1::text[]) AS m(x))::text[])"
        );
    }

    #[test]
    fn string_operators() {
        assert_eq!(
            ok(r#"{title: {icontains: "du"}}"#),
            r#"strpos(lower(t."title"::text), lower($1::text)) > 0"#
        );
        assert_eq!(
            ok(r#"{title: {startswith: "D"}}"#),
            r#"starts_with(t."title"::text, $1::text)"#
        );
        assert_eq!(
            ok(r#"{title: {endswith: "e"}}"#),
            r#"right(t."title"::text, length($1::text)) = $1::text"#
        );
        assert_eq!(
            ok(r#"{title: {ilike: "d%"}}"#),
            r#"t."title"::text ILIKE $1::text"#
        );
    }

    #[test]
    fn isnull_tests_the_column_or_the_json_value() {
        assert_eq!(
            ok("{title: {isnull: true}}"),
            r#"((t."title" IS NULL) = $1::boolean)"#
        );
        assert_eq!(
            ok("{pages: {isnull: false}}"),
            "((nullif(t.data->'pages', 'null'::jsonb) IS NULL) = $1::boolean)"
        );
    }

    #[test]
    fn lists_use_the_array_column_or_the_json_array() {
        let (c, types, _) = cond(r#"{tags: {contains: ["sf"]}}"#);
        assert_eq!(c.as_deref(), Some(r#"t."tags" @> $1::text[]::text[]"#));
        assert_eq!(types, vec![ParamType::TextArray]);
    }

    #[test]
    fn json_operators_compare_jsonb() {
        assert_eq!(
            ok(r#"{meta: {hasKey: "isbn"}}"#),
            "nullif(t.data->'meta', 'null'::jsonb) ? $1::text"
        );
        assert_eq!(
            ok(r#"{meta: {contains: {a: 1}}}"#),
            "nullif(t.data->'meta', 'null'::jsonb) @> $1::jsonb"
        );
    }

    #[test]
    fn and_or_not_nest() {
        assert_eq!(
            ok(r#"{OR: [{pages: {lt: 10}}, {NOT: {title: {eq: "x"}}}], pages: {gte: 1}}"#),
            r#"((((t.data->>'pages')::numeric) < $1::text::numeric OR NOT t."title" = $2::text::text) AND ((t.data->>'pages')::numeric) >= $3::text::numeric)"#
        );
        assert_eq!(ok("{OR: []}"), "FALSE");
        assert_eq!(ok("{AND: []}"), "TRUE");
    }

    #[test]
    fn a_relation_filter_is_an_exists_on_the_joined_view() {
        assert_eq!(
            ok(r#"{author: {name: {eq: "Herbert"}}}"#),
            r#"EXISTS (SELECT 1 FROM "public"."v_author" f1 WHERE f1."id" = t."author_id" AND (f1.data->>'name') = $1::text::text)"#
        );
    }

    #[test]
    fn unknown_operators_and_fields_are_field_errors_never_a_wider_filter() {
        let (c, _, errors) = cond(r#"{title: {regex: "x"}}"#);
        assert_eq!(c, None);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with(r#"Unknown operator "regex" in where.title for String!."#),
            "{errors:?}"
        );
        let (c, _, errors) = cond(r#"{pages: {icontains: "1"}}"#);
        assert_eq!(c, None, "icontains does not apply to Int");
        assert!(errors[0].contains(r#"Unknown operator "icontains""#));
        let (_, _, errors) = cond(r#"{titel: {eq: "x"}}"#);
        assert!(
            errors[0].contains(r#"Unknown field "titel""#) && errors[0].contains("title"),
            "{errors:?}"
        );
    }

    #[test]
    fn json_operands_travel_as_json_text_and_a_string_stays_a_string() {
        let bound = |q: &str| {
            crate::compile(&schema(), q, None, None, &crate::PageSizes::default())
                .unwrap()
                .values
        };
        let text = |s: &str| crate::ParamValue::Text(s.to_string());
        let v = bound(r#"{ books(where: {meta: {eq: "{\"a\": 1}"}}) { title } }"#);
        assert!(v.contains(&text(r#""{\"a\": 1}""#)), "{v:?}");
        let v = bound(r#"{ books(where: {meta: {contains: {a: 1}}}) { title } }"#);
        assert!(v.contains(&text(r#"{"a":1}"#)), "{v:?}");
        let (c, types, _) = cond(r#"{meta: {eq: "x"}}"#);
        assert_eq!(
            c.as_deref(),
            Some("nullif(t.data->'meta', 'null'::jsonb) = $1::jsonb")
        );
        assert_eq!(types, vec![ParamType::Text]);
    }

    #[test]
    fn a_null_filter_is_an_error_not_a_match_all() {
        let (c, _, errors) = cond("{title: null}");
        assert_eq!(c, None);
        assert!(errors[0].contains("isnull"), "{errors:?}");
    }
}
