//! Size limits on a request (settings `fraiseql.max_query_size`, `fraiseql.max_depth`,
//! `fraiseql.max_fields`): a document too large, too deep or with too many fields is refused before
//! it is planned. Depth and field count are measured with fragments expanded.
use graphql_parser::query::{Definition, Selection};

use crate::document::{operations, Document, SelectionSet};
use crate::error::{code, GqlError};

/// Limits in force for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_fields: usize,
}

/// How deep and how large a document is, fragments expanded (counting stops at `cap` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub depth: usize,
    pub fields: usize,
}

fn walk<'a>(
    doc: &'a Document,
    set: &'a SelectionSet,
    depth: usize,
    m: &mut Measure,
    stack: &mut Vec<&'a str>,
    cap: usize,
) {
    for item in &set.items {
        if m.fields >= cap {
            return;
        }
        match item {
            Selection::Field(f) => {
                m.fields += 1;
                m.depth = m.depth.max(depth + 1);
                walk(doc, &f.selection_set, depth + 1, m, stack, cap);
            }
            Selection::InlineFragment(i) => walk(doc, &i.selection_set, depth, m, stack, cap),
            Selection::FragmentSpread(s) => {
                if stack.contains(&s.fragment_name.as_str()) {
                    continue;
                }
                let frag = doc.definitions.iter().find_map(|d| match d {
                    Definition::Fragment(f) if f.name == s.fragment_name => Some(f),
                    _ => None,
                });
                if let Some(f) = frag {
                    stack.push(f.name.as_str());
                    walk(doc, &f.selection_set, depth, m, stack, cap);
                    stack.pop();
                }
            }
        }
    }
}

/// The largest depth and field count of the document's operations.
pub fn measure(doc: &Document, cap: usize) -> Measure {
    let mut worst = Measure {
        depth: 0,
        fields: 0,
    };
    for op in operations(doc) {
        let mut m = Measure {
            depth: 0,
            fields: 0,
        };
        walk(doc, op.selection_set, 0, &mut m, &mut Vec::new(), cap);
        worst.depth = worst.depth.max(m.depth);
        worst.fields = worst.fields.max(m.fields);
    }
    worst
}

/// A request error when the measure exceeds the limits.
pub fn check(m: &Measure, limits: &QueryLimits) -> Option<GqlError> {
    if m.depth > limits.max_depth {
        return Some(GqlError::new(
            code::VALIDATION,
            format!(
                "The query is {} levels deep; the limit is {} (setting fraiseql.max_depth, or less under fraiseql.security_profile).",
                m.depth, limits.max_depth
            ),
        ));
    }
    if m.fields > limits.max_fields {
        return Some(GqlError::new(code::VALIDATION, format!("The query selects more than {} fields (fragments expanded); the limit is {} (setting fraiseql.max_fields, or less under fraiseql.security_profile).", limits.max_fields, limits.max_fields)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_and_fields_count_through_fragments() {
        let doc = crate::document::parse(
            "{ users { name posts { ...P } } } fragment P on Post { title comments { body } }",
        )
        .unwrap();
        let m = measure(&doc, 10_000);
        assert_eq!(
            m,
            Measure {
                depth: 4,
                fields: 6
            }
        );
        assert!(check(
            &m,
            &QueryLimits {
                max_depth: 3,
                max_fields: 100
            }
        )
        .unwrap()
        .message
        .contains("4 levels deep"));
        assert!(check(
            &m,
            &QueryLimits {
                max_depth: 4,
                max_fields: 5
            }
        )
        .unwrap()
        .message
        .contains("fraiseql.max_fields"));
        assert!(check(
            &m,
            &QueryLimits {
                max_depth: 4,
                max_fields: 6
            }
        )
        .is_none());
    }
}
