//! Field selection merging (spec §5.3.2): every response key names one field with one set of
//! arguments and one result shape, through fragments, within a budget.
#[allow(unused_imports)]
use super::*;

/// How many field occurrences the merging check may visit (fragments multiply them): beyond it the
/// document is refused rather than checked for minutes.
pub(super) const MERGE_BUDGET: usize = 20_000;
const MERGE_DEPTH: usize = 256;

/// One occurrence of a response key: the type it is selected on, the field, its arguments.
struct Occurrence<'a> {
    parent: String,
    name: &'a str,
    args: &'a [(String, Value)],
    loc: Location,
    set: &'a SelectionSet,
}

/// The occurrences of every response key in `set`, through inline fragments and fragment spreads.
fn gather<'a>(
    ctx: &Ctx<'a>,
    parent: &str,
    set: &'a SelectionSet,
    out: &mut BTreeMap<String, Vec<Occurrence<'a>>>,
    visiting: &mut Vec<&'a str>,
    budget: &mut usize,
) {
    for item in &set.items {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        match item {
            Selection::Field(f) => {
                let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
                out.entry(key).or_default().push(Occurrence {
                    parent: parent.to_string(),
                    name: &f.name,
                    args: &f.arguments,
                    loc: f.position.into(),
                    set: &f.selection_set,
                });
            }
            Selection::InlineFragment(i) => {
                let on = match &i.type_condition {
                    Some(TypeCondition::On(on)) => on.as_str(),
                    None => parent,
                };
                gather(ctx, on, &i.selection_set, out, visiting, budget);
            }
            Selection::FragmentSpread(sp) => {
                if visiting.contains(&sp.fragment_name.as_str()) {
                    continue;
                }
                if let Some(frag) = ctx.fragments.get(sp.fragment_name.as_str()).copied() {
                    let TypeCondition::On(on) = &frag.type_condition;
                    visiting.push(frag.name.as_str());
                    gather(ctx, on, &frag.selection_set, out, visiting, budget);
                    visiting.pop();
                }
            }
        }
    }
}

/// Spec §5.3.2 (Field Selection Merging): occurrences of one response key must be the same field
/// with the same arguments (unless they sit on different object types), must return types of the
/// same shape, and their sub-selections must merge in turn.
pub(super) fn check_merging<'a>(
    ctx: &mut Ctx<'a>,
    parent: &str,
    sets: &[&'a SelectionSet],
    budget: &mut usize,
    depth: usize,
) {
    // The parser bounds a document's nesting well below this; deeper means a cycle slipped through.
    if depth > MERGE_DEPTH {
        ctx.errors.push(GqlError::new(code::VALIDATION, "The document is too complex to validate (fields merge deeper than the document nests)."));
        return;
    }
    let mut fields: BTreeMap<String, Vec<Occurrence<'a>>> = BTreeMap::new();
    for set in sets {
        gather(ctx, parent, set, &mut fields, &mut Vec::new(), budget);
    }
    if *budget == 0 {
        ctx.errors.push(GqlError::new(code::VALIDATION, "The document is too complex to validate (too many field occurrences through fragments)."));
        return;
    }
    let schema = ctx.schema;
    let field_type = |o: &Occurrence<'_>| -> Option<TypeRef> {
        if o.name == "__typename" {
            return Some(TypeRef::NonNull(Box::new(TypeRef::Named("String".into()))));
        }
        schema
            .fields_of(&o.parent)?
            .iter()
            .find(|f| f.name == o.name)
            .map(|f| f.ty.clone())
    };
    for (key, occurrences) in &fields {
        let first = &occurrences[0];
        for other in &occurrences[1..] {
            let objects = |n: &str| matches!(schema.kind(n), Some(Kind::Object(_)));
            let exclusive =
                first.parent != other.parent && objects(&first.parent) && objects(&other.parent);
            let message = if !exclusive && first.name != other.name {
                Some(format!("Fields \"{key}\" conflict because \"{}\" and \"{}\" are different fields. Use different aliases on the fields to fetch both if this was intentional.", first.name, other.name))
            } else if !exclusive && first.args != other.args {
                Some(format!("Fields \"{key}\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional."))
            } else {
                match (field_type(first), field_type(other)) {
                    (Some(a), Some(b)) if a != b => Some(format!("Fields \"{key}\" conflict because they return conflicting types \"{a}\" and \"{b}\". Use different aliases on the fields to fetch both if this was intentional.")),
                    _ => None,
                }
            };
            if let Some(m) = message {
                ctx.errors.push(verr(m, other.loc));
                break;
            }
        }
        if let Some(child) = field_type(first) {
            let subs: Vec<&'a SelectionSet> = occurrences
                .iter()
                .map(|o| o.set)
                .filter(|s| !s.items.is_empty())
                .collect();
            if !subs.is_empty()
                && matches!(
                    schema.kind(child.named()),
                    Some(Kind::Object(_) | Kind::Union(_))
                )
            {
                check_merging(ctx, child.named(), &subs, budget, depth + 1);
            }
        }
    }
}
