//! Variable coercion (spec §6.1.2): request JSON values checked and converted to the declared types.
use std::collections::BTreeMap;

use serde_json::{Map, Number, Value as Json};

use crate::request::document::{Operation, Value};
use crate::response::{code, GqlError};
use crate::schema::{Kind, Schema, TypeRef};

/// Coerced variable values by name; a variable that was neither given nor defaulted is absent.
pub type Variables = BTreeMap<String, Json>;

/// Coerces the request's `variables` object for `op`; every problem is reported, each at its definition.
pub fn coerce(
    schema: &Schema,
    op: &Operation<'_>,
    given: Option<&Json>,
) -> Result<Variables, Vec<GqlError>> {
    let empty = Map::new();
    let given = match given {
        None | Some(Json::Null) => &empty,
        Some(Json::Object(m)) => m,
        Some(_) => {
            return Err(vec![GqlError::new(
                code::BAD_INPUT,
                "Variables must be a JSON object.",
            )])
        }
    };
    let mut out = Variables::new();
    let mut errors = Vec::new();
    for def in op.variables {
        let ty = TypeRef::from_query_ast(&def.var_type);
        let name = &def.name;
        let problem = match given.get(name.as_str()) {
            None => match &def.default_value {
                Some(d) => {
                    out.insert(name.clone(), literal_to_json(d, &BTreeMap::new()));
                    None
                }
                None if ty.is_non_null() => Some(format!(
                    "Variable \"${name}\" of required type \"{ty}\" was not provided."
                )),
                None => None,
            },
            Some(value) if holds_nul(value) => Some(format!(
                "Variable \"${name}\" contains a NUL character (\\u0000), which PostgreSQL text cannot hold; remove it."
            )),
            Some(value) => match coerce_value(schema, value, &ty) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                    None
                }
                Err(why) => Some(format!(
                    "Variable \"${name}\" got invalid value {}; {why}",
                    short(value)
                )),
            },
        };
        if let Some(message) = problem {
            errors.push(GqlError::new(code::BAD_INPUT, message).at(def.position));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Whether a string (or key) anywhere in `v` holds NUL. jsonb refuses `\u0000`, so variables sent
/// as jsonb never do; variables reaching the core another way are checked all the same.
fn holds_nul(v: &Json) -> bool {
    match v {
        Json::String(s) => s.contains('\0'),
        Json::Array(items) => items.iter().any(holds_nul),
        Json::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Coerces one JSON value to a GraphQL input type.
pub fn coerce_value(schema: &Schema, value: &Json, ty: &TypeRef) -> Result<Json, String> {
    match ty {
        TypeRef::NonNull(inner) => {
            if value.is_null() {
                Err(format!(
                    "Expected non-nullable type \"{ty}\" not to be null."
                ))
            } else {
                coerce_value(schema, value, inner)
            }
        }
        _ if value.is_null() => Ok(Json::Null),
        TypeRef::List(inner) => match value {
            Json::Array(items) => items
                .iter()
                .map(|i| coerce_value(schema, i, inner))
                .collect::<Result<Vec<_>, _>>()
                .map(Json::Array),
            single => Ok(Json::Array(vec![coerce_value(schema, single, inner)?])),
        },
        TypeRef::Named(name) => coerce_named(schema, value, name),
    }
}

fn coerce_named(schema: &Schema, value: &Json, name: &str) -> Result<Json, String> {
    match schema.kind(name) {
        Some(Kind::Scalar("Int")) => match value.as_i64() {
            Some(n) if i32::try_from(n).is_ok() => Ok(Json::Number(Number::from(n))),
            Some(_) => Err(format!(
                "Int cannot represent non 32-bit signed integer value: {value}"
            )),
            None => Err(format!("Int cannot represent non-integer value: {value}")),
        },
        Some(Kind::Scalar("Float")) => match value.as_f64() {
            Some(_) => Ok(value.clone()),
            None => Err(format!("Float cannot represent non numeric value: {value}")),
        },
        Some(Kind::Scalar("Boolean")) => match value {
            Json::Bool(_) => Ok(value.clone()),
            _ => Err(format!(
                "Boolean cannot represent a non boolean value: {value}"
            )),
        },
        Some(Kind::Scalar("ID")) => match value {
            Json::String(_) => Ok(value.clone()),
            Json::Number(n) if n.is_i64() => Ok(Json::String(n.to_string())),
            _ => Err(format!("ID cannot represent value: {value}")),
        },
        Some(Kind::Scalar("JSON")) => Ok(value.clone()),
        Some(Kind::Scalar(scalar)) => match value {
            Json::String(text) => crate::scalars::check(scalar, text).map(|()| value.clone()),
            _ => Err(format!(
                "{scalar} cannot represent a non string value: {value}"
            )),
        },
        Some(Kind::Enum(e)) => match value.as_str() {
            Some(s) if e.values.iter().any(|v| v == s) => Ok(value.clone()),
            _ => Err(format!(
                "Value {value} does not exist in \"{}\" enum.",
                e.name
            )),
        },
        Some(Kind::Input(input)) => {
            let Json::Object(given) = value else {
                return Err(format!("Expected type \"{name}\" to be an object."));
            };
            let mut out = Map::new();
            for (key, v) in given {
                let Some(field) = input.field(key) else {
                    let hint = crate::names::did_you_mean(
                        key,
                        input.fields.iter().map(|f| f.name.as_str()),
                    );
                    return Err(format!(
                        "Field \"{key}\" is not defined by type \"{name}\".{hint}"
                    ));
                };
                let coerced =
                    coerce_value(schema, v, &field.ty).map_err(|e| format!("at \"{key}\": {e}"))?;
                out.insert(key.clone(), coerced);
            }
            if let Some(missing) = input
                .fields
                .iter()
                .find(|f| f.ty.is_non_null() && !given.contains_key(&f.name))
            {
                return Err(format!(
                    "Field \"{}\" of required type \"{}\" was not provided.",
                    missing.name, missing.ty
                ));
            }
            Ok(Json::Object(out))
        }
        Some(Kind::Object(_) | Kind::Union(_)) | None => {
            Err(format!("\"{name}\" is not an input type."))
        }
    }
}

/// A literal (or a variable reference, looked up in `vars`) as JSON.
pub fn literal_to_json(value: &Value, vars: &Variables) -> Json {
    match value {
        Value::Variable(v) => vars.get(v.as_str()).cloned().unwrap_or(Json::Null),
        Value::Int(n) => n
            .as_i64()
            .map(|n| Json::Number(n.into()))
            .unwrap_or(Json::Null),
        Value::Float(f) => Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.clone()),
        Value::Boolean(b) => Json::Bool(*b),
        Value::Null => Json::Null,
        Value::Enum(e) => Json::String(e.clone()),
        Value::List(items) => Json::Array(items.iter().map(|i| literal_to_json(i, vars)).collect()),
        Value::Object(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), literal_to_json(v, vars)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::document::{parse, select_operation};
    use serde_json::json;

    fn schema() -> Schema {
        Schema::parse(
            r#"enum Color { RED GREEN }
               input Range { min: Int! max: Int }
               type Item @view(name: "v_item") { id: ID! n: Int }
               type Query { items: [Item!]! }"#,
        )
        .unwrap()
    }

    fn coerce_doc(query: &str, given: serde_json::Value) -> Result<Variables, Vec<String>> {
        let doc = parse(query).unwrap();
        let op = select_operation(&doc, None).unwrap();
        coerce(&schema(), &op, Some(&given)).map_err(|e| e.into_iter().map(|e| e.message).collect())
    }

    fn one(ty: &str, value: serde_json::Value) -> Result<serde_json::Value, String> {
        let t = TypeRef::from_query_ast(&parse_type(ty));
        coerce_value(&schema(), &value, &t)
    }

    fn parse_type(ty: &str) -> graphql_parser::query::Type<'static, String> {
        let doc = parse(&format!("query ($x: {ty}) {{ items {{ id }} }}")).unwrap();
        let op = select_operation(&doc, None).unwrap();
        op.variables[0].var_type.clone()
    }

    #[test]
    fn defaults_fill_what_is_absent_and_required_ones_must_be_given() {
        let v = coerce_doc("query ($n: Int = 3, $m: Int) { items { id } }", json!({})).unwrap();
        assert_eq!(v.get("n"), Some(&json!(3)));
        assert_eq!(
            v.get("m"),
            None,
            "absent and without default: absent, not null"
        );
        let e = coerce_doc("query ($n: Int!) { items { id } }", json!({})).unwrap_err();
        assert_eq!(
            e,
            vec![r#"Variable "$n" of required type "Int!" was not provided."#]
        );
    }

    #[test]
    fn every_bad_variable_is_reported() {
        let e = coerce_doc(
            "query ($a: Int!, $b: Color) { items { id } }",
            json!({"a": null, "b": "BLUE"}),
        )
        .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with(r#"Variable "$a" got invalid value null"#),
            "{e:?}"
        );
        assert!(
            e[1].starts_with(r#"Variable "$b" got invalid value "BLUE""#),
            "{e:?}"
        );
    }

    #[test]
    fn scalars_are_checked() {
        assert_eq!(one("Int", json!(7)), Ok(json!(7)));
        assert!(
            one("Int", json!(2_147_483_648_i64)).is_err(),
            "beyond 32 bits"
        );
        assert!(one("Int", json!(1.5)).is_err());
        assert!(
            one("Int", json!("7")).is_err(),
            "no string to number coercion"
        );
        assert_eq!(one("Float", json!(2)), Ok(json!(2)));
        assert!(one("Boolean", json!(1)).is_err());
        assert_eq!(
            one("ID", json!(42)),
            Ok(json!("42")),
            "an integer ID becomes a string"
        );
    }

    #[test]
    fn a_single_value_is_a_list_of_one() {
        assert_eq!(one("[Int!]", json!(4)), Ok(json!([4])));
        assert_eq!(one("[Int!]", json!([1, 2])), Ok(json!([1, 2])));
        assert!(one("[Int!]", json!([1, null])).is_err());
    }

    #[test]
    fn enums_and_input_objects() {
        assert_eq!(one("Color", json!("RED")), Ok(json!("RED")));
        assert!(
            one("Color", json!("red")).is_err(),
            "enum values are case-sensitive"
        );
        assert_eq!(one("Range", json!({"min": 1})), Ok(json!({"min": 1})));
        assert!(one("Range", json!({"max": 1})).is_err(), "min is required");
        let e = one("Range", json!({"min": 1, "mx": 2})).unwrap_err();
        assert!(e.contains("mx"), "an unknown input field is named: {e}");
    }

    #[test]
    fn variables_must_be_an_object() {
        let doc = parse("{ items { id } }").unwrap();
        let op = select_operation(&doc, None).unwrap();
        assert!(coerce(&schema(), &op, Some(&json!([1]))).is_err());
        assert!(coerce(&schema(), &op, Some(&serde_json::Value::Null)).is_ok());
    }
}
