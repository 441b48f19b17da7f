//! GraphQL errors and the response envelope (spec §7.1); knows nothing of SQL or Postgres.
use serde_json::{json, Map, Value};

/// `extensions.code` values used in responses.
pub mod code {
    pub const PARSE: &str = "GRAPHQL_PARSE_FAILED";
    pub const VALIDATION: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const BAD_INPUT: &str = "BAD_USER_INPUT";
    pub const OPERATION: &str = "OPERATION_RESOLUTION_FAILURE";
    pub const NOT_SUPPORTED: &str = "NOT_SUPPORTED";
    pub const NO_SCHEMA: &str = "SCHEMA_NOT_LOADED";
    pub const INTERNAL: &str = "INTERNAL_SERVER_ERROR";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const DATABASE: &str = "DATABASE_ERROR";
    /// A persisted-query hash the server does not know (the client should send the document too).
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// A document not in the allow-list while only persisted queries may run.
    pub const PERSISTED_QUERY_NOT_ALLOWED: &str = "PERSISTED_QUERY_NOT_ALLOWED";
}

/// A position in a GraphQL document, 1-based as the spec's `locations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl From<graphql_parser::Pos> for Location {
    fn from(p: graphql_parser::Pos) -> Self {
        Location {
            line: p.line,
            column: p.column,
        }
    }
}

/// One entry of a response's `errors` list.
#[derive(Debug, Clone, PartialEq)]
pub struct GqlError {
    pub message: String,
    pub locations: Vec<Location>,
    pub path: Vec<Value>,
    pub code: &'static str,
    /// Extra `extensions` entries besides `code` (e.g. `sqlstate`).
    pub extra: Map<String, Value>,
}

impl GqlError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        GqlError {
            message: message.into(),
            locations: vec![],
            path: vec![],
            code,
            extra: Map::new(),
        }
    }

    pub fn at(mut self, loc: impl Into<Location>) -> Self {
        self.locations.push(loc.into());
        self
    }

    pub fn with_path(mut self, path: Vec<Value>) -> Self {
        self.path = path;
        self
    }

    pub fn with_extension(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("message".into(), Value::String(self.message.clone()));
        if !self.locations.is_empty() {
            let locs = self
                .locations
                .iter()
                .map(|l| json!({"line": l.line, "column": l.column}));
            obj.insert("locations".into(), Value::Array(locs.collect()));
        }
        if !self.path.is_empty() {
            obj.insert("path".into(), Value::Array(self.path.clone()));
        }
        let mut ext = self.extra.clone();
        ext.insert("code".into(), Value::String(self.code.to_string()));
        obj.insert("extensions".into(), Value::Object(ext));
        Value::Object(obj)
    }
}

/// The response to a request error: `errors` only, no `data` key (spec §7.1.2).
pub fn request_error_response(errors: &[GqlError]) -> Value {
    json!({ "errors": errors.iter().map(GqlError::to_json).collect::<Vec<_>>() })
}

/// Adds field errors to an executed response that already holds `data`; each errored field's value
/// (at its `path` under `data`) becomes null, as spec §6.4.4 requires.
pub fn with_field_errors(mut response: Value, errors: &[GqlError]) -> Value {
    if errors.is_empty() {
        return response;
    }
    for e in errors {
        if let Some((last, parents)) = e.path.split_last() {
            let mut node = response.get_mut("data");
            for step in parents {
                node = node.and_then(|n| match step {
                    Value::String(k) => n.get_mut(k.as_str()),
                    Value::Number(i) => i.as_u64().and_then(|i| n.get_mut(i as usize)),
                    _ => None,
                });
            }
            if let (Some(Value::Object(parent)), Value::String(key)) = (node, last) {
                parent.insert(key.clone(), Value::Null);
            }
        }
    }
    if let Value::Object(obj) = &mut response {
        obj.insert(
            "errors".into(),
            Value::Array(errors.iter().map(GqlError::to_json).collect()),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_errors_have_no_data_key() {
        let e = GqlError::new(code::PARSE, "Syntax Error").at(Location { line: 1, column: 3 });
        let r = request_error_response(&[e]);
        assert!(r.get("data").is_none());
        assert_eq!(r["errors"][0]["locations"][0]["column"], 3);
        assert_eq!(r["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
    }

    #[test]
    fn field_errors_keep_data() {
        let e = GqlError::new(code::BAD_INPUT, "bad id").with_path(vec![json!("user")]);
        let r = with_field_errors(json!({"data": {"user": {"name": "x"}, "users": []}}), &[e]);
        assert_eq!(r["data"]["users"], json!([]));
        assert_eq!(r["data"]["user"], Value::Null);
        assert_eq!(r["errors"][0]["path"][0], "user");
    }
}

/// Pulls `L:C` out of graphql-parser's "… Parse error at L:C" text; (0, 0) when absent.
pub fn parser_error_position(text: &str) -> (usize, usize) {
    let Some(idx) = text.find(" at ") else {
        return (0, 0);
    };
    let rest = &text[idx + 4..];
    let pos: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .collect();
    let mut parts = pos.split(':').filter_map(|p| p.parse::<usize>().ok());
    match (parts.next(), parts.next()) {
        (Some(l), Some(c)) => (l, c),
        _ => (0, 0),
    }
}
