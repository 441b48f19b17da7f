//! Directives in executable documents (spec §5.7): only `@skip(if:)` and `@include(if:)`.
#[allow(unused_imports)]
use super::*;

/// Only `@skip(if:)` and `@include(if:)` exist in executable documents here.
pub(super) fn check_directives<'a>(
    ctx: &mut Ctx<'a>,
    directives: &'a [Directive],
    location: &str,
    _at: Location,
    scope: &mut OpScope<'a>,
) {
    let mut seen = BTreeSet::new();
    for d in directives {
        if !seen.insert(d.name.as_str()) {
            ctx.errors.push(verr(
                format!(
                    "The directive \"@{}\" can only be used once at this location.",
                    d.name
                ),
                d.position,
            ));
        }
        match d.name.as_str() {
            "skip" | "include" => {
                if location == "QUERY" {
                    ctx.errors.push(verr(
                        format!("Directive \"@{}\" may not be used on {location}.", d.name),
                        d.position,
                    ));
                }
                let bool_ty = TypeRef::NonNull(Box::new(TypeRef::Named("Boolean".into())));
                let mut has_if = false;
                for (name, value) in &d.arguments {
                    if name == "if" {
                        has_if = true;
                        check_value(
                            ctx,
                            value,
                            &bool_ty,
                            false,
                            d.position.into(),
                            scope,
                            "Argument \"if\"",
                        );
                    } else {
                        ctx.errors.push(verr(
                            format!("Unknown argument \"{name}\" on directive \"@{}\".", d.name),
                            d.position,
                        ));
                    }
                }
                if !has_if {
                    ctx.errors.push(verr(format!("Directive \"@{}\" argument \"if\" of type \"Boolean!\" is required, but it was not provided.", d.name), d.position));
                }
            }
            other => {
                let hint = did_you_mean(other, ["skip", "include"]);
                ctx.errors.push(verr(
                    format!("Unknown directive \"@{other}\".{hint}"),
                    d.position,
                ));
            }
        }
    }
}
