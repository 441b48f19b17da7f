//! `where`: a typed filter compiled to an SQL condition. A real column of the view is used when one
//! has the field's key as its name (so indexes apply); otherwise the JSONB path, cast to the field's
//! type so numbers, booleans and times compare as such. Unknown fields and operators are errors.
use super::value::Val;
use super::{Check, ParamType, Planner, Src};
use crate::generate::operators;
use crate::names::{did_you_mean, quote_ident, quote_literal};
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

impl<'s> Planner<'s> {
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
                "AND" | "OR" => {
                    let subs: Vec<String> = v
                        .items(self)
                        .into_iter()
                        .filter_map(|i| self.where_cond(ty, src, i, &here))
                        .collect();
                    let joined = match (subs.is_empty(), name.as_str()) {
                        (true, "AND") => "TRUE".to_string(),
                        (true, _) => "FALSE".to_string(),
                        (false, op) => format!("({})", subs.join(&format!(" {op} "))),
                    };
                    parts.push(joined);
                }
                "NOT" => {
                    if let Some(c) = self.where_cond(ty, src, v, &here) {
                        parts.push(format!("NOT {c}"));
                    }
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
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(format!("({})", parts.join(" AND "))),
        }
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
        let k = self.depth + 1;
        self.depth = k;
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
            Some(format!("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} END) AS x{k}({e}) WHERE {cond})"))
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
        let scalar = def.ty.named().to_string();
        let list = def.ty.is_list();
        let allowed = operators(self.schema, &scalar, list);
        let key = vec![def.key.clone()];
        let mut parts = Vec::new();
        for (op, operand) in v.entries(self) {
            let here = format!("{path}.{op}");
            if !allowed.contains(&op.as_str()) {
                let hint = did_you_mean(&op, allowed.iter().copied());
                self.field_error(format!(
                    "Unknown operator \"{op}\" in {path} for {}.{hint}",
                    def.ty
                ));
                continue;
            }
            let what = format!("filter {here}");
            let (expr, cast) = leaf_expr(src, &key, &scalar);
            let column = src.column(&def.key);
            // A JSON null inside the document means "no value", exactly like SQL NULL in a column.
            let jsonb = match &column {
                Some((col, ty)) if ty == "jsonb" => col.clone(),
                _ => format!(
                    "nullif({}->{}, 'null'::jsonb)",
                    src.doc(),
                    quote_literal(&def.key)
                ),
            };
            // An enum whose values are stored under other names compares stored values.
            let mapping = match self.schema.kind(&scalar) {
                Some(Kind::Enum(e)) => e.mapping(),
                _ => None,
            };
            let to_stored = |x: &str| match &mapping {
                Some(m) => {
                    let arms: String = m
                        .iter()
                        .map(|(stored, gql)| {
                            format!(
                                " WHEN {} THEN {}",
                                quote_literal(gql),
                                quote_literal(stored)
                            )
                        })
                        .collect();
                    format!("(CASE {x}{arms} END)")
                }
                None => x.to_string(),
            };
            let one = |p: &mut Self| {
                p.param(
                    operand.source(),
                    ParamType::Text,
                    Check::NotNull,
                    what.clone(),
                )
            };
            let cond = match op.as_str() {
                "isnull" => {
                    let test = match &column {
                        Some((col, _)) => format!("{col} IS NULL"),
                        None => format!("{jsonb} IS NULL"),
                    };
                    let p = one(self);
                    format!("(({test}) = {p}::boolean)")
                }
                _ if list => {
                    let array_column = column.as_ref().filter(|(_, ty)| ty.ends_with("[]"));
                    match (op.as_str(), array_column) {
                        (op, Some((col, ty))) => {
                            let p = self.param(
                                operand.source(),
                                ParamType::TextArray,
                                Check::NotNull,
                                what.clone(),
                            );
                            let sql_op = match op {
                                "contains" => "@>",
                                "containedBy" => "<@",
                                _ => "&&",
                            };
                            format!("{col} {sql_op} {p}::text[]::{ty}")
                        }
                        ("contains", None) => format!("{jsonb} @> {}::jsonb", one(self)),
                        ("containedBy", None) => format!("{jsonb} <@ {}::jsonb", one(self)),
                        (_, None) => {
                            let p = one(self);
                            format!("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof({jsonb}) = 'array' THEN {jsonb} END) AS ov(x) WHERE {p}::jsonb @> jsonb_build_array(ov.x))")
                        }
                    }
                }
                _ if scalar == "JSON" => {
                    let p = one(self);
                    match op.as_str() {
                        "eq" => format!("{jsonb} = {p}::jsonb"),
                        "neq" => format!("{jsonb} <> {p}::jsonb"),
                        "contains" => format!("{jsonb} @> {p}::jsonb"),
                        "containedBy" => format!("{jsonb} <@ {p}::jsonb"),
                        _ => format!("{jsonb} ? {p}::text"),
                    }
                }
                "eq" | "neq" | "gt" | "gte" | "lt" | "lte" => {
                    let sql_op = match op.as_str() {
                        "eq" => "=",
                        "neq" => "<>",
                        "gt" => ">",
                        "gte" => ">=",
                        "lt" => "<",
                        _ => "<=",
                    };
                    let p = one(self);
                    format!(
                        "{expr} {sql_op} {}::{cast}",
                        to_stored(&format!("{p}::text"))
                    )
                }
                "in" | "nin" => {
                    let p = self.param(
                        operand.source(),
                        ParamType::TextArray,
                        Check::NotNull,
                        what.clone(),
                    );
                    let list = if mapping.is_some() {
                        format!(
                            "ARRAY(SELECT {} FROM unnest({p}::text[]) AS m(x))",
                            to_stored("m.x")
                        )
                    } else {
                        format!("{p}::text[]")
                    };
                    if op == "in" {
                        format!("{expr} = ANY({list}::{cast}[])")
                    } else {
                        format!("{expr} <> ALL({list}::{cast}[])")
                    }
                }
                "contains" => format!("strpos({expr}::text, {}::text) > 0", one(self)),
                "icontains" => format!(
                    "strpos(lower({expr}::text), lower({}::text)) > 0",
                    one(self)
                ),
                "startswith" => format!("starts_with({expr}::text, {}::text)", one(self)),
                "endswith" => {
                    let p = one(self);
                    format!("right({expr}::text, length({p}::text)) = {p}::text")
                }
                "like" => format!("{expr}::text LIKE {}::text", one(self)),
                _ => format!("{expr}::text ILIKE {}::text", one(self)),
            };
            parts.push(cond);
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(format!("({})", parts.join(" AND "))),
        }
    }
}
