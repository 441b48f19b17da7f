//! Executable documents: parsing with positions, and choosing the operation to run (spec §6.1).
use graphql_parser::query::{self as q, Definition, OperationDefinition};

use crate::response::{code, GqlError, Location};

pub type Document = q::Document<'static, String>;
pub type SelectionSet = q::SelectionSet<'static, String>;
pub type Value = q::Value<'static, String>;
pub type VariableDefinition = q::VariableDefinition<'static, String>;
pub type Directive = q::Directive<'static, String>;

/// Parses a GraphQL request document; a syntax error becomes a spec-shaped error with its location.
pub fn parse(query: &str) -> Result<Document, GqlError> {
    match q::parse_query::<String>(query) {
        Ok(doc) => Ok(doc.into_static()),
        Err(e) => {
            let text = e.to_string();
            let (line, column) = crate::response::parser_error_position(&text);
            let detail: Vec<&str> = text
                .lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .collect();
            let mut err = GqlError::new(
                code::PARSE,
                format!("Syntax Error: {}", tidy_tokens(&detail.join("; "))),
            );
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

/// A token of a request document, as far as finding input-object keys needs: punctuation, names,
/// and anything else (strings, numbers, other characters) as one kind.
#[derive(PartialEq)]
enum Tok {
    Punct(char),
    Name(String),
    Other,
}

/// The document's tokens with their locations; comments, whitespace and commas are skipped.
fn lex(query: &str) -> Vec<(Tok, Location)> {
    let mut toks: Vec<(Tok, Location)> = Vec::new();
    let chars: Vec<char> = query.chars().collect();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let advance = |i: &mut usize, line: &mut usize, col: &mut usize, c: char| {
        *i += 1;
        if c == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let at = Location { line, column: col };
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                {
                    let ch = chars[i];
                    advance(&mut i, &mut line, &mut col, ch);
                }
            }
        } else if c == '"' {
            let block = chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"');
            let skip = if block { 3 } else { 1 };
            for _ in 0..skip {
                advance(&mut i, &mut line, &mut col, '"');
            }
            while i < chars.len() {
                let d = chars[i];
                if d == '\\' {
                    advance(&mut i, &mut line, &mut col, d);
                    if i < chars.len() {
                        {
                            let ch = chars[i];
                            advance(&mut i, &mut line, &mut col, ch);
                        }
                    }
                    continue;
                }
                if d == '"'
                    && (!block
                        || (chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"')))
                {
                    for _ in 0..skip {
                        advance(&mut i, &mut line, &mut col, '"');
                    }
                    break;
                }
                advance(&mut i, &mut line, &mut col, d);
            }
            toks.push((Tok::Other, at));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut name = String::new();
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                name.push(chars[i]);
                {
                    let ch = chars[i];
                    advance(&mut i, &mut line, &mut col, ch);
                }
            }
            toks.push((Tok::Name(name), at));
        } else if "{}[]():=$".contains(c) {
            toks.push((Tok::Punct(c), at));
            advance(&mut i, &mut line, &mut col, c);
        } else {
            if !c.is_whitespace() && c != ',' {
                toks.push((Tok::Other, at));
            }
            advance(&mut i, &mut line, &mut col, c);
        }
    }
    toks
}

/// Spec §5.6.3 (input object field uniqueness), checked on the source text: graphql-parser keeps only
/// the last of duplicated fields in an object value, so duplicates are found by a small lexer here.
/// Returns the first duplicated field name and where it stands.
pub fn duplicate_input_field(query: &str) -> Option<(String, Location)> {
    let toks = lex(query);
    enum Ctx {
        Selection,
        Value,
        Object(std::collections::BTreeSet<String>),
    }
    let mut stack: Vec<Ctx> = Vec::new();
    for k in 0..toks.len() {
        let prev = k.checked_sub(1).map(|p| &toks[p].0);
        let in_value = matches!(stack.last(), Some(Ctx::Value | Ctx::Object(_)));
        match &toks[k].0 {
            Tok::Punct('(') | Tok::Punct('[') => stack.push(Ctx::Value),
            Tok::Punct(')') | Tok::Punct(']') | Tok::Punct('}') => {
                stack.pop();
            }
            Tok::Punct('{') => {
                let value_start = matches!(
                    prev,
                    Some(Tok::Punct(':') | Tok::Punct('=') | Tok::Punct('['))
                ) || (in_value && !matches!(prev, Some(Tok::Punct(')'))));
                stack.push(if value_start {
                    Ctx::Object(Default::default())
                } else {
                    Ctx::Selection
                });
            }
            Tok::Name(n)
                if matches!(toks.get(k + 1).map(|t| &t.0), Some(Tok::Punct(':')))
                    && !matches!(prev, Some(Tok::Punct('$'))) =>
            {
                if let Some(Ctx::Object(keys)) = stack.last_mut() {
                    if !keys.insert(n.clone()) {
                        return Some((n.clone(), toks[k].1));
                    }
                }
            }
            _ => {}
        }
    }
    None
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
        OperationDefinition::SelectionSet(s) => Operation {
            kind: OpKind::Query,
            name: None,
            variables: &[],
            directives: &[],
            selection_set: s,
            location: s.span.0.into(),
        },
        OperationDefinition::Query(x) => Operation {
            kind: OpKind::Query,
            name: x.name.as_deref(),
            variables: &x.variable_definitions,
            directives: &x.directives,
            selection_set: &x.selection_set,
            location: x.position.into(),
        },
        OperationDefinition::Mutation(x) => Operation {
            kind: OpKind::Mutation,
            name: x.name.as_deref(),
            variables: &x.variable_definitions,
            directives: &x.directives,
            selection_set: &x.selection_set,
            location: x.position.into(),
        },
        OperationDefinition::Subscription(x) => Operation {
            kind: OpKind::Subscription,
            name: x.name.as_deref(),
            variables: &x.variable_definitions,
            directives: &x.directives,
            selection_set: &x.selection_set,
            location: x.position.into(),
        },
    }
}

/// Spec §6.1 GetOperation: by name when given, else the only one.
pub fn select_operation<'d>(
    doc: &'d Document,
    name: Option<&str>,
) -> Result<Operation<'d>, GqlError> {
    let ops = operations(doc);
    match name {
        Some(wanted) => ops
            .into_iter()
            .find(|o| o.name == Some(wanted))
            .ok_or_else(|| {
                GqlError::new(
                    code::OPERATION,
                    format!("Unknown operation named \"{wanted}\"."),
                )
            }),
        None => match ops.len() {
            0 => Err(GqlError::new(
                code::OPERATION,
                "The document contains no operation to execute.",
            )),
            1 => Ok(ops[0]),
            _ => Err(GqlError::new(
                code::OPERATION,
                "Must provide operation name if query contains multiple operations.",
            )),
        },
    }
}

/// How statistics name the operation a request runs: its name, or for an anonymous operation its
/// root fields (`anonymous(users,posts)`), so unnamed requests of different shapes are told apart.
/// `None` when the operation cannot be chosen (the request fails).
pub fn operation_label(doc: &Document, name: Option<&str>) -> Option<(OpKind, String)> {
    let op = select_operation(doc, name).ok()?;
    let label = match op.name {
        Some(n) => n.to_string(),
        None => format!("anonymous({})", root_fields(&op).join(",")),
    };
    Some((op.kind, label))
}

/// The operation's root selections as written: field names, `...Fragment` spreads, `...` inline fragments.
pub fn root_fields(op: &Operation) -> Vec<String> {
    op.selection_set
        .items
        .iter()
        .map(|item| match item {
            q::Selection::Field(f) => f.name.clone(),
            q::Selection::FragmentSpread(s) => format!("...{}", s.fragment_name),
            q::Selection::InlineFragment(_) => "...".to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_labelled_by_name_or_root_fields() {
        let doc = parse("query GetUser { user(id: 1) { id } } mutation { addNote(n: 1) { id } }")
            .unwrap();
        assert_eq!(
            operation_label(&doc, Some("GetUser")),
            Some((OpKind::Query, "GetUser".to_string()))
        );
        assert_eq!(operation_label(&doc, None), None);
        let doc = parse("{ users { id } a: posts { id } ...F } fragment F on Query { x }").unwrap();
        assert_eq!(
            operation_label(&doc, None),
            Some((OpKind::Query, "anonymous(users,posts,...F)".to_string()))
        );
        let doc = parse("mutation { addNote(n: 1) { id } }").unwrap();
        assert_eq!(
            operation_label(&doc, None),
            Some((OpKind::Mutation, "anonymous(addNote)".to_string()))
        );
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let e = parse("{\n  users { id \n}").unwrap_err();
        assert_eq!(e.code, code::PARSE);
        assert_eq!(e.locations.len(), 1);
        assert!(e.message.starts_with("Syntax Error"), "{}", e.message);
        let e = parse("{ users(limit: ) { id } }").unwrap_err();
        assert_eq!(
            e.locations[0],
            Location {
                line: 1,
                column: 16
            }
        );
        assert!(
            e.message.starts_with("Syntax Error: Unexpected \")\""),
            "{}",
            e.message
        );
    }

    #[test]
    fn duplicate_input_fields_are_found() {
        assert_eq!(
            duplicate_input_field(
                r#"{ users(where: {name: {eq: "a"}, name: {eq: "b"}}) { name } }"#
            )
            .map(|d| d.0),
            Some("name".into())
        );
        assert_eq!(
            duplicate_input_field(
                r#"{ users(where: {a: {eq: "x"}, OR: [{a: {eq: 1}}, {a: {eq: 2}}]}) { a: name a: name } }"#
            ),
            None
        );
        assert_eq!(
            duplicate_input_field(r#"query ($w: W = {a: 1, a: 2}) { users { name } }"#)
                .map(|d| (d.0, d.1.line)),
            Some(("a".into(), 1))
        );
        assert_eq!(
            duplicate_input_field("{ users(where: {name: {eq: \"a, name: b\"}}) { name } }"),
            None
        );
    }

    #[test]
    fn chooses_operations() {
        let doc = parse("query A { a } query B { b }").unwrap();
        assert_eq!(select_operation(&doc, Some("B")).unwrap().name, Some("B"));
        assert!(select_operation(&doc, None)
            .unwrap_err()
            .message
            .contains("Must provide operation name"));
        assert_eq!(
            select_operation(&doc, Some("C")).unwrap_err().message,
            "Unknown operation named \"C\"."
        );
        let doc = parse("{ a }").unwrap();
        assert_eq!(select_operation(&doc, None).unwrap().kind, OpKind::Query);
    }
}

/// The first string value in the document holding a NUL character (`\u0000`), as a request error
/// naming the argument and its position. PostgreSQL text cannot hold NUL; sent anyway, it cut
/// patterns short (`icontains: "\u0000"` matched every row). Only escapes can produce one, so a
/// document without `\u` is not walked.
pub fn nul_in_strings(query: &str, doc: &Document) -> Option<GqlError> {
    if !query.contains("\\u") {
        return None;
    }
    fn has_nul(v: &Value) -> bool {
        match v {
            Value::String(s) | Value::Enum(s) => s.contains('\0'),
            Value::List(items) => items.iter().any(has_nul),
            Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
            _ => false,
        }
    }
    fn refuse(what: String, pos: graphql_parser::Pos) -> GqlError {
        GqlError::new(
            code::BAD_INPUT,
            format!("{what} contains a NUL character (\\u0000), which PostgreSQL text cannot hold; remove it."),
        )
        .at(Location {
            line: pos.line,
            column: pos.column,
        })
    }
    fn in_args(
        owner: &str,
        args: &[(String, Value)],
        pos: graphql_parser::Pos,
    ) -> Option<GqlError> {
        args.iter()
            .find(|(_, v)| has_nul(v))
            .map(|(name, _)| refuse(format!("The value of argument \"{name}\" of {owner}"), pos))
    }
    fn in_directives(dirs: &[Directive]) -> Option<GqlError> {
        dirs.iter()
            .find_map(|d| in_args(&format!("directive @{}", d.name), &d.arguments, d.position))
    }
    fn in_set(set: &SelectionSet) -> Option<GqlError> {
        set.items.iter().find_map(|item| match item {
            q::Selection::Field(f) => {
                in_args(&format!("field \"{}\"", f.name), &f.arguments, f.position)
                    .or_else(|| in_directives(&f.directives))
                    .or_else(|| in_set(&f.selection_set))
            }
            q::Selection::FragmentSpread(s) => in_directives(&s.directives),
            q::Selection::InlineFragment(i) => {
                in_directives(&i.directives).or_else(|| in_set(&i.selection_set))
            }
        })
    }
    doc.definitions.iter().find_map(|d| match d {
        Definition::Fragment(f) => {
            in_directives(&f.directives).or_else(|| in_set(&f.selection_set))
        }
        Definition::Operation(_) => {
            let op = operation_of(d)?;
            op.variables
                .iter()
                .find(|v| v.default_value.as_ref().is_some_and(has_nul))
                .map(|v| {
                    refuse(
                        format!("The default value of variable \"${}\"", v.name),
                        v.position,
                    )
                })
                .or_else(|| in_directives(op.directives))
                .or_else(|| in_set(op.selection_set))
        }
    })
}

fn operation_of<'d>(d: &'d Definition<'static, String>) -> Option<Operation<'d>> {
    match d {
        Definition::Operation(op) => Some(operation(op)),
        Definition::Fragment(_) => None,
    }
}

#[cfg(test)]
mod nul_tests {
    use super::*;

    #[test]
    fn nul_characters_in_string_values_are_refused_with_the_argument() {
        let q = r#"{ posts(where: {title: {icontains: "a\u0000b"}}) { title } }"#;
        let doc = parse(q).unwrap();
        let e = nul_in_strings(q, &doc).expect("refused");
        assert_eq!(e.code, code::BAD_INPUT);
        assert!(
            e.message.contains("argument \"where\" of field \"posts\""),
            "{}",
            e.message
        );
        let q = r#"query ($t: String = "\u0000") { ...F } fragment F on Query { a @include(if: true) }"#;
        assert!(nul_in_strings(q, &parse(q).unwrap())
            .unwrap()
            .message
            .contains("variable \"$t\""));
        let q = r#"{ posts(where: {title: {icontains: "\u0041"}}) { title } }"#;
        assert!(nul_in_strings(q, &parse(q).unwrap()).is_none());
    }
}

/// Where the document selects `__schema` or `__type` (for `fraiseql.introspection = off`).
pub fn introspection_used(doc: &Document) -> Option<Location> {
    use graphql_parser::query::{Definition, OperationDefinition, Selection, SelectionSet};
    fn scan(set: &SelectionSet<'static, String>) -> Option<Location> {
        set.items.iter().find_map(|s| match s {
            Selection::Field(f) if crate::schema::meta::is_entry_point(&f.name) => {
                Some(f.position.into())
            }
            Selection::Field(f) => scan(&f.selection_set),
            Selection::InlineFragment(i) => scan(&i.selection_set),
            Selection::FragmentSpread(_) => None,
        })
    }
    doc.definitions.iter().find_map(|d| match d {
        Definition::Fragment(f) => scan(&f.selection_set),
        Definition::Operation(OperationDefinition::SelectionSet(s)) => scan(s),
        Definition::Operation(OperationDefinition::Query(q)) => scan(&q.selection_set),
        Definition::Operation(_) => None,
    })
}
