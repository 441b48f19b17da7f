//! Operations (spec §5.2, §5.8): each validated from its root type; its variables declared once,
//! of input types, each used, none undefined.
#[allow(unused_imports)]
use super::*;

/// Per-operation state: the variables declared and those used.
pub(super) struct OpScope<'a> {
    pub(super) op_name: Option<&'a str>,
    pub(super) defs: BTreeMap<&'a str, &'a VariableDefinition>,
    pub(super) used: BTreeSet<String>,
    pub(super) fragment_stack: Vec<String>,
    /// Fragments whose selection this operation already validated: each is validated once, however
    /// often it is spread (else nested spreads would be validated exponentially many times).
    pub(super) validated_fragments: BTreeSet<String>,
}

pub(super) fn validate_operation<'a>(
    ctx: &mut Ctx<'a>,
    op: &Operation<'a>,
    used_fragments: &mut BTreeSet<&'a str>,
) {
    let root = match op.kind {
        OpKind::Query => ctx.schema.query(),
        OpKind::Mutation => match ctx.schema.mutation() {
            Some(m) => m,
            None => {
                ctx.errors.push(verr(
                    "Schema is not configured to execute mutation operation.",
                    op.location,
                ));
                return;
            }
        },
        OpKind::Subscription => {
            ctx.errors.push(GqlError::new(code::NOT_SUPPORTED, "Subscriptions are not supported by fraiseql; use a query, or LISTEN/NOTIFY beside it.").at(op.location));
            return;
        }
    };
    let mut scope = OpScope {
        op_name: op.name,
        defs: BTreeMap::new(),
        used: BTreeSet::new(),
        fragment_stack: vec![],
        validated_fragments: BTreeSet::new(),
    };
    for v in op.variables {
        if scope.defs.insert(v.name.as_str(), v).is_some() {
            ctx.errors.push(verr(
                format!("There can be only one variable named \"${}\".", v.name),
                v.position,
            ));
        }
        check_variable_type(ctx, v);
    }
    check_directives(ctx, op.directives, "QUERY", op.location, &mut scope);
    validate_selection_set(
        ctx,
        Parent::Object(root),
        op.selection_set,
        &mut scope,
        used_fragments,
    );
    if !ctx.fragment_cycle {
        let mut budget = MERGE_BUDGET;
        check_merging(ctx, &root.name, &[op.selection_set], &mut budget, 0);
    }
    for (name, def) in &scope.defs {
        if !scope.used.contains(*name) {
            let msg = match scope.op_name {
                Some(op) => format!("Variable \"${name}\" is never used in operation \"{op}\"."),
                None => format!("Variable \"${name}\" is never used."),
            };
            ctx.errors.push(verr(msg, def.position));
        }
    }
}

/// A variable's declared type: known, an input type, and its default value fits it.
fn check_variable_type(ctx: &mut Ctx<'_>, v: &VariableDefinition) {
    let ty = TypeRef::from_query_ast(&v.var_type);
    match ctx.schema.kind(ty.named()) {
        None => ctx.errors.push(verr(
            format!(
                "Unknown type \"{}\".{}",
                ty.named(),
                did_you_mean(
                    ty.named(),
                    ctx.schema
                        .scalars
                        .iter()
                        .map(String::as_str)
                        .chain(ctx.schema.enums.keys().map(String::as_str))
                )
            ),
            v.position,
        )),
        Some(Kind::Object(_) | Kind::Union(_)) => ctx.errors.push(verr(
            format!(
                "Variable \"${}\" cannot be non-input type \"{ty}\".",
                v.name
            ),
            v.position,
        )),
        Some(_) => {
            if let Some(default) = &v.default_value {
                if let Err(msg) = literal_fits(ctx.schema, default, &ty) {
                    ctx.errors.push(verr(
                        format!(
                            "Variable \"${}\" has an invalid default value: {msg}",
                            v.name
                        ),
                        v.position,
                    ));
                }
            }
        }
    }
}
