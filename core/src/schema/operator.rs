//! Filter operators: one enum owns each operator's GraphQL name, the values it applies to, the type
//! of its operand and the SQL it compiles to. The generated `<Scalar>Filter` inputs (`generate.rs`)
//! and the planner (`plan/filter.rs`) both read this table, so they cannot disagree, and nothing
//! falls through to a default: an operator that does not apply to a value has no SQL.
use super::{Kind, Schema, TypeRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Nin,
    IsNull,
    Contains,
    IContains,
    StartsWith,
    EndsWith,
    Like,
    ILike,
    ContainedBy,
    Overlaps,
    HasKey,
}

/// What a filtered field holds: it decides which operators apply and what they compile to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// A list of any scalar or enum.
    List,
    Enum,
    String,
    /// `Int`, `Float`, `DateTime`, `Date`: compared in order.
    Ordered,
    Boolean,
    Json,
    /// `ID`, `UUID` and custom scalars: equality and membership only.
    Other,
}

impl Operand {
    pub fn of(schema: &Schema, scalar: &str, list: bool) -> Operand {
        if list {
            return Operand::List;
        }
        if let Some(Kind::Enum(_)) = schema.kind(scalar) {
            return Operand::Enum;
        }
        match scalar {
            "String" => Operand::String,
            "Int" | "Float" | "DateTime" | "Date" => Operand::Ordered,
            "Boolean" => Operand::Boolean,
            "JSON" => Operand::Json,
            _ => Operand::Other,
        }
    }
}

/// The SQL an operator compiles to; `p` is its parameter, `expr` the field's comparable expression
/// (cast to the field's type), `jsonb` the field's JSON value (a JSON `null` read as SQL NULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sql {
    /// `(expr IS NULL) = p::boolean`
    IsNull,
    /// `expr <op> p::cast` (`=`, `<>`, `>`, `>=`, `<`, `<=`)
    Compare(&'static str),
    /// `expr = ANY(p::cast[])`
    AnyOf,
    /// `expr <> ALL(p::cast[])`
    NoneOf,
    /// `strpos(expr, p) > 0`, lower-cased on both sides when `case_insensitive`
    Substring { case_insensitive: bool },
    /// `starts_with(expr, p)`
    Prefix,
    /// `right(expr, length(p)) = p`
    Suffix,
    /// `expr LIKE p` / `expr ILIKE p`
    Pattern(&'static str),
    /// `jsonb <op> p::jsonb` (`=`, `<>`, `@>`, `<@`)
    Jsonb(&'static str),
    /// `jsonb ? p::text`
    HasKey,
    /// On a list: `column <op> p::text[]` for an array column, else the same on the JSON array
    /// (`@>`, `<@`, `&&`).
    Array(&'static str),
}

use Operator::*;

impl Operator {
    pub const ALL: [Operator; 18] = [
        Eq,
        Neq,
        Gt,
        Gte,
        Lt,
        Lte,
        In,
        Nin,
        IsNull,
        Contains,
        IContains,
        StartsWith,
        EndsWith,
        Like,
        ILike,
        ContainedBy,
        Overlaps,
        HasKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Eq => "eq",
            Neq => "neq",
            Gt => "gt",
            Gte => "gte",
            Lt => "lt",
            Lte => "lte",
            In => "in",
            Nin => "nin",
            IsNull => "isnull",
            Contains => "contains",
            IContains => "icontains",
            StartsWith => "startswith",
            EndsWith => "endswith",
            Like => "like",
            ILike => "ilike",
            ContainedBy => "containedBy",
            Overlaps => "overlaps",
            HasKey => "hasKey",
        }
    }

    pub fn from_name(name: &str) -> Option<Operator> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The operators of `operand`, in the order the generated filter input lists them.
    pub fn of(operand: Operand) -> &'static [Operator] {
        match operand {
            Operand::List => &[Contains, ContainedBy, Overlaps, IsNull],
            Operand::Enum | Operand::Other => &[Eq, Neq, In, Nin, IsNull],
            Operand::String => &[
                Eq, Neq, Gt, Gte, Lt, Lte, In, Nin, IsNull, Contains, IContains, StartsWith,
                EndsWith, Like, ILike,
            ],
            Operand::Ordered => &[Eq, Neq, Gt, Gte, Lt, Lte, In, Nin, IsNull],
            Operand::Boolean => &[Eq, Neq, IsNull],
            Operand::Json => &[Eq, Neq, Contains, ContainedBy, HasKey, IsNull],
        }
    }

    /// What this operator compiles to on `operand`; `None` when it does not apply there.
    pub fn sql(self, operand: Operand) -> Option<Sql> {
        if !Self::of(operand).contains(&self) {
            return None;
        }
        Some(match (operand, self) {
            (_, IsNull) => Sql::IsNull,
            (Operand::List, Contains) => Sql::Array("@>"),
            (Operand::List, ContainedBy) => Sql::Array("<@"),
            (Operand::List, Overlaps) => Sql::Array("&&"),
            (Operand::Json, Eq) => Sql::Jsonb("="),
            (Operand::Json, Neq) => Sql::Jsonb("<>"),
            (Operand::Json, Contains) => Sql::Jsonb("@>"),
            (Operand::Json, ContainedBy) => Sql::Jsonb("<@"),
            (Operand::Json, HasKey) => Sql::HasKey,
            (_, Eq) => Sql::Compare("="),
            (_, Neq) => Sql::Compare("<>"),
            (_, Gt) => Sql::Compare(">"),
            (_, Gte) => Sql::Compare(">="),
            (_, Lt) => Sql::Compare("<"),
            (_, Lte) => Sql::Compare("<="),
            (_, In) => Sql::AnyOf,
            (_, Nin) => Sql::NoneOf,
            (_, Contains) => Sql::Substring {
                case_insensitive: false,
            },
            (_, IContains) => Sql::Substring {
                case_insensitive: true,
            },
            (_, StartsWith) => Sql::Prefix,
            (_, EndsWith) => Sql::Suffix,
            (_, Like) => Sql::Pattern("LIKE"),
            (_, ILike) => Sql::Pattern("ILIKE"),
            (_, ContainedBy | Overlaps | HasKey) => return None,
        })
    }

    /// The GraphQL type of this operator's operand on a field of type `scalar` (a list of it when
    /// `list`).
    pub fn operand_type(self, scalar: &str, list: bool) -> TypeRef {
        let named = |n: &str| TypeRef::Named(n.to_string());
        let list_of_scalar = || TypeRef::List(Box::new(TypeRef::NonNull(Box::new(named(scalar)))));
        match self {
            IsNull => named("Boolean"),
            In | Nin => list_of_scalar(),
            _ if list => list_of_scalar(),
            Contains | ContainedBy if scalar == "JSON" => named("JSON"),
            IContains | StartsWith | EndsWith | Like | ILike | HasKey => named("String"),
            Eq | Neq | Gt | Gte | Lt | Lte | Contains | ContainedBy | Overlaps => named(scalar),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPERANDS: [Operand; 7] = [
        Operand::List,
        Operand::Enum,
        Operand::String,
        Operand::Ordered,
        Operand::Boolean,
        Operand::Json,
        Operand::Other,
    ];

    #[test]
    fn every_listed_operator_compiles_and_no_other_does() {
        for operand in OPERANDS {
            for op in Operator::ALL {
                assert_eq!(
                    op.sql(operand).is_some(),
                    Operator::of(operand).contains(&op),
                    "{op:?} on {operand:?}"
                );
            }
        }
    }

    #[test]
    fn names_round_trip_and_are_unique() {
        for op in Operator::ALL {
            assert_eq!(Operator::from_name(op.name()), Some(op));
        }
        assert_eq!(Operator::from_name("ILIKE"), None);
        assert_eq!(Operator::from_name("regex"), None);
    }

    #[test]
    fn contains_means_substring_on_strings_and_containment_on_json_and_lists() {
        assert_eq!(
            Contains.sql(Operand::String),
            Some(Sql::Substring {
                case_insensitive: false
            })
        );
        assert_eq!(Contains.sql(Operand::Json), Some(Sql::Jsonb("@>")));
        assert_eq!(Contains.sql(Operand::List), Some(Sql::Array("@>")));
        assert_eq!(Contains.sql(Operand::Ordered), None);
        assert_eq!(ILike.sql(Operand::Enum), None);
    }

    #[test]
    fn operand_types() {
        assert_eq!(In.operand_type("Int", false).to_string(), "[Int!]");
        assert_eq!(IsNull.operand_type("Int", true).to_string(), "Boolean");
        assert_eq!(
            Overlaps.operand_type("String", true).to_string(),
            "[String!]"
        );
        assert_eq!(Contains.operand_type("JSON", false).to_string(), "JSON");
        assert_eq!(HasKey.operand_type("JSON", false).to_string(), "String");
        assert_eq!(
            StartsWith.operand_type("String", false).to_string(),
            "String"
        );
        assert_eq!(Gt.operand_type("DateTime", false).to_string(), "DateTime");
    }
}
