//! Binding: a plan's parameters resolved from the request's variables, checked, and converted to
//! the values sent with the statement. A value SQL would reject becomes a field error instead.
use serde_json::Value as Json;

use super::{Check, PageSizes, ParamSource, ParamType, ParamValue, Plan};
use crate::request::variables::{literal_to_json, Variables};
use crate::response::{code, GqlError};

fn is_uuid(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let dashes_ok = s.len() == 32
        || (s.len() == 36 && [8, 13, 18, 23].iter().all(|&i| s.as_bytes()[i] == b'-'));
    dashes_ok && hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The sort-key values a cursor encodes, checked against the number of keys expected.
fn decode_cursor(cursor: &Json, count: usize) -> Result<Vec<Json>, String> {
    let Json::String(text) = cursor else {
        return Err("a cursor is a string".into());
    };
    let bytes = base64_decode(text).ok_or("it is not base64")?;
    match serde_json::from_slice::<Json>(&bytes) {
        Ok(Json::Array(values)) if values.iter().any(|v| v.to_string().contains("\\u0000")) => {
            Err("it holds a NUL character, which PostgreSQL text cannot hold".into())
        }
        Ok(Json::Array(values)) if values.len() == count => Ok(values),
        Ok(Json::Array(values)) => Err(format!("it holds {} sort keys where this orderBy has {count}; cursors are only valid with the orderBy they came from", values.len())),
        _ => Err("it was not produced by this API".into()),
    }
}

fn resolve(source: &ParamSource, vars: &Variables) -> Result<Json, String> {
    match source {
        ParamSource::Ast(v) => Ok(literal_to_json(v, vars)),
        ParamSource::Json(j) => Ok(j.clone()),
        ParamSource::CursorPart {
            cursor,
            index,
            count,
        } => {
            let c = resolve(cursor, vars)?;
            let values =
                decode_cursor(&c, *count).map_err(|why| format!("is not a valid cursor: {why}"))?;
            Ok(values[*index].clone())
        }
    }
}

fn text(j: &Json) -> String {
    match j {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn convert(j: &Json, ty: ParamType) -> ParamValue {
    match (j, ty) {
        (Json::Null, _) => ParamValue::Null,
        (Json::Number(n), ParamType::Int8) => {
            n.as_i64().map(ParamValue::Int8).unwrap_or(ParamValue::Null)
        }
        (Json::Array(items), ParamType::TextArray) => ParamValue::TextArray(
            items
                .iter()
                .map(|i| if i.is_null() { None } else { Some(text(i)) })
                .collect(),
        ),
        (single, ParamType::TextArray) => ParamValue::TextArray(vec![Some(text(single))]),
        (other, _) => ParamValue::Text(text(other)),
    }
}

/// Resolves the plan's parameters; each problem is a field error on its root field.
pub fn bind(plan: &Plan, vars: &Variables, limits: &PageSizes) -> (Vec<ParamValue>, Vec<GqlError>) {
    bind_params(&plan.params, vars, limits)
}

/// Resolves parameters (of a plan or a mutation step).
pub fn bind_params(
    params: &[super::Param],
    vars: &Variables,
    limits: &PageSizes,
) -> (Vec<ParamValue>, Vec<GqlError>) {
    let mut values = Vec::with_capacity(params.len());
    let mut errors: Vec<GqlError> = Vec::new();
    for p in params {
        let json = resolve(&p.source, vars);
        let checked = json.and_then(|j| {
            let j = match &p.input {
                Some(shape) => shape.apply(j),
                None => j,
            };
            let v = match (p.check, &j) {
                (Check::Json, j) if !j.is_null() => ParamValue::Text(j.to_string()),
                (Check::JsonList, Json::Array(_)) => ParamValue::Text(j.to_string()),
                (Check::JsonList, j) if !j.is_null() => {
                    ParamValue::Text(Json::Array(vec![j.clone()]).to_string())
                }
                _ => convert(&j, p.ty),
            };
            match (p.check, &v) {
                (
                    Check::NotNull
                    | Check::Json
                    | Check::JsonList
                    | Check::UuidOperand
                    | Check::Pattern,
                    ParamValue::Null,
                ) => Err("is null; to match missing values use {isnull: true}".into()),
                (Check::Pattern, ParamValue::Text(s))
                    if s.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1 =>
                {
                    Err(format!(
                        "ends with an unpaired escape character (\\): {}; write \\\\ to match a backslash",
                        Json::String(s.clone())
                    ))
                }
                (Check::Limit, ParamValue::Null) => Ok(ParamValue::Int8(limits.default_limit)),
                (Check::Limit | Check::NonNegative, ParamValue::Int8(n)) if *n < 0 => {
                    Err(format!("must not be negative, got {n}"))
                }
                (Check::Limit, ParamValue::Int8(n)) if *n > limits.max_limit => Err(format!(
                    "is {n}, above the maximum page size {} (setting fraiseql.max_limit)",
                    limits.max_limit
                )),
                (Check::Uuid | Check::UuidOperand, ParamValue::Text(s)) if !is_uuid(s) => {
                    Err(format!("is not a valid UUID: {}", Json::String(s.clone())))
                }
                (Check::UuidOperand, ParamValue::TextArray(items)) => {
                    match items.iter().flatten().find(|s| !is_uuid(s)) {
                        Some(bad) => Err(format!(
                            "holds {}, which is not a valid UUID",
                            Json::String(bad.clone())
                        )),
                        None => Ok(v),
                    }
                }
                (Check::Integer, ParamValue::Text(s)) if s.parse::<i64>().is_err() => Err(format!(
                    "is not a valid integer id: {}",
                    Json::String(s.clone())
                )),
                _ => Ok(v),
            }
        });
        match checked {
            Ok(v) => values.push(v),
            Err(why) => {
                let message = format!("{} {why}.", capitalise(&p.what));
                let e = GqlError::new(code::BAD_INPUT, message)
                    .with_path(vec![Json::String(p.root_key.clone())]);
                if !errors.contains(&e) {
                    errors.push(e);
                }
                values.push(refused(p.check));
            }
        }
    }
    (values, errors)
}

/// What a refused value is sent as: the statement still runs for the other root fields, so a refused
/// page size or offset must not become `LIMIT NULL` (every row); a page of none is safe.
fn refused(check: Check) -> ParamValue {
    match check {
        Check::Limit | Check::NonNegative => ParamValue::Int8(0),
        _ => ParamValue::Null,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_of_postgres_encoding() {
        // encode(convert_to('[1, "a"]', 'UTF8'), 'base64') in Postgres
        assert_eq!(base64_decode("WzEsICJhIl0=").unwrap(), b"[1, \"a\"]");
        assert!(decode_cursor(&Json::String("WzEsICJhIl0=".into()), 2).is_ok());
        assert!(decode_cursor(&Json::String("WzEsICJhIl0=".into()), 3)
            .unwrap_err()
            .contains("holds 2 sort keys"));
        assert!(decode_cursor(&Json::String("!!".into()), 1).is_err());
    }
}
