//! Executable documents: parsing with positions, and choosing the operation to run (spec §6.1).
use graphql_parser::query::{self as q, Definition, OperationDefinition};

use crate::error::{code, GqlError, Location};

pub type Document = q::Document<'static, String>;
pub type SelectionSet = q::SelectionSet<'static, String>;
pub type Value = q::Value<'static, String>;
pub type VariableDefinition = q::VariableDefinition<'static, String>;
pub type Directive = q::Directive<'static, String>;

/// Pulls `L:C` out of graphql-parser's "… Parse error at L:C" text; (0, 0) when absent.
pub fn error_position(text: &str) -> (usize, usize) {
    let Some(idx) = text.find(" at ") else { return (0, 0) };
    let rest = &text[idx + 4..];
    let pos: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == ':').collect();
    let mut parts = pos.split(':').filter_map(|p| p.parse::<usize>().ok());
    match (parts.next(), parts.next()) {
        (Some(l), Some(c)) => (l, c),
        _ => (0, 0),
    }
}

/// Parses a GraphQL request document; a syntax error becomes a spec-shaped error with its location.
pub fn parse(query: &str) -> Result<Document, GqlError> {
    match q::parse_query::<String>(query) {
        Ok(doc) => Ok(doc.into_static()),
        Err(e) => {
            let text = e.to_string();
            let (line, column) = error_position(&text);
            let detail: Vec<&str> = text.lines().skip(1).filter(|l| !l.trim().is_empty()).collect();
            let mut err = GqlError::new(code::PARSE, format!("Syntax Error: {}", tidy_tokens(&detail.join("; "))));
            if line > 0 {
                err = err.at(Location { line, column });
            }
            Err(err)
        }
    }
}

/// graphql-parser prints tokens as `` `)[Punctuator]` ``; users want `")"`.
fn tidy_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let token = &after[..end];
        let token = match token.rfind('[') {
            Some(i) if token.ends_with(']') && i > 0 => &token[..i],
            _ => token,
        };
        out.push('"');
        out.push_str(token);
        out.push('"');
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The kind of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Query,
    Mutation,
    Subscription,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Query => "query",
            OpKind::Mutation => "mutation",
            OpKind::Subscription => "subscription",
        }
    }
}

/// A borrowed view of one operation definition.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'d> {
    pub kind: OpKind,
    pub name: Option<&'d str>,
    pub variables: &'d [VariableDefinition],
    pub directives: &'d [Directive],
    pub selection_set: &'d SelectionSet,
    pub location: Location,
}

pub fn operations(doc: &Document) -> Vec<Operation<'_>> {
    doc.definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Operation(op) => Some(operation(op)),
            Definition::Fragment(_) => None,
        })
        .collect()
}

fn operation<'d>(op: &'d OperationDefinition<'static, String>) -> Operation<'d> {
    match op {
        OperationDefinition::SelectionSet(s) => Operation { kind: OpKind::Query, name: None, variables: &[], directives: &[], selection_set: s, location: s.span.0.into() },
        OperationDefinition::Query(x) => Operation { kind: OpKind::Query, name: x.name.as_deref(), variables: &x.variable_definitions, directives: &x.directives, selection_set: &x.selection_set, location: x.position.into() },
        OperationDefinition::Mutation(x) => Operation { kind: OpKind::Mutation, name: x.name.as_deref(), variables: &x.variable_definitions, directives: &x.directives, selection_set: &x.selection_set, location: x.position.into() },
        OperationDefinition::Subscription(x) => Operation { kind: OpKind::Subscription, name: x.name.as_deref(), variables: &x.variable_definitions, directives: &x.directives, selection_set: &x.selection_set, location: x.position.into() },
    }
}

/// Spec §6.1 GetOperation: by name when given, else the only one.
pub fn select_operation<'d>(doc: &'d Document, name: Option<&str>) -> Result<Operation<'d>, GqlError> {
    let ops = operations(doc);
    match name {
        Some(wanted) => ops.into_iter().find(|o| o.name == Some(wanted)).ok_or_else(|| {
            GqlError::new(code::OPERATION, format!("Unknown operation named \"{wanted}\"."))
        }),
        None => match ops.len() {
            0 => Err(GqlError::new(code::OPERATION, "The document contains no operation to execute.")),
            1 => Ok(ops[0]),
            _ => Err(GqlError::new(code::OPERATION, "Must provide operation name if query contains multiple operations.")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_has_line_and_column() {
        let e = parse("{\n  users { id \n}").unwrap_err();
        assert_eq!(e.code, code::PARSE);
        assert_eq!(e.locations.len(), 1);
        assert!(e.message.starts_with("Syntax Error"), "{}", e.message);
        let e = parse("{ users(limit: ) { id } }").unwrap_err();
        assert_eq!(e.locations[0], Location { line: 1, column: 16 });
        assert!(e.message.starts_with("Syntax Error: Unexpected \")\""), "{}", e.message);
    }

    #[test]
    fn chooses_operations() {
        let doc = parse("query A { a } query B { b }").unwrap();
        assert_eq!(select_operation(&doc, Some("B")).unwrap().name, Some("B"));
        assert!(select_operation(&doc, None).unwrap_err().message.contains("Must provide operation name"));
        assert_eq!(select_operation(&doc, Some("C")).unwrap_err().message, "Unknown operation named \"C\".");
        let doc = parse("{ a }").unwrap();
        assert_eq!(select_operation(&doc, None).unwrap().kind, OpKind::Query);
    }
}
