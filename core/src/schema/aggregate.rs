//! The generated aggregate surface: `<list>Aggregate(where:)` beside every list of objects (root
//! list fields, `@relation` lists, lists embedded in documents), `aggregate` on Relay connections,
//! and the types behind them — `<T>Aggregate` (`count`, `countDistinct`, `sum`, `avg`, `min`, `max`,
//! `groups(by:, having:, orderBy:, limit:, offset:)`), `<T>Group`, `<T>GroupKey` and their inputs.
//! Which fields each function takes is decided here once; the planner (`plan/aggregate.rs`) reads it.
use std::collections::{BTreeMap, BTreeSet};

use super::generate::{
    arg, field, list_of, named, non_null, object, order_name, scalar_filter, where_name,
    ORDER_DIRECTION,
};
use crate::schema::{
    AggregatePart, EnumType, FieldDef, InputField, InputRole, InputType, Kind, ObjectRole,
    ObjectType, RootKind, Schema, SchemaError, TypeRef,
};

/// The enum of `groupBy` buckets for dates and times.
pub const TIME_BUCKET: &str = "TimeBucket";
/// `TimeBucket` values, as (GraphQL name, `date_trunc` unit; none for the value itself).
pub const TIME_BUCKETS: [(&str, Option<&str>); 5] = [
    ("VALUE", None),
    ("DAY", Some("day")),
    ("WEEK", Some("week")),
    ("MONTH", Some("month")),
    ("YEAR", Some("year")),
];

/// The name of the generated type `part` of aggregates over `node`.
pub fn type_name(node: &str, part: AggregatePart) -> String {
    let suffix = match part {
        AggregatePart::Whole => "Aggregate",
        AggregatePart::Group => "Group",
        AggregatePart::GroupKey => "GroupKey",
        AggregatePart::CountDistinct => "CountDistinct",
        AggregatePart::Numeric => "Numeric",
        AggregatePart::MinMax => "MinMax",
    };
    format!("{node}{suffix}")
}

pub fn group_by_name(node: &str) -> String {
    format!("{node}GroupBy")
}
pub fn having_name(node: &str) -> String {
    format!("{node}Having")
}
pub fn group_order_name(node: &str) -> String {
    format!("{node}GroupOrderBy")
}

/// Sums and averages: numbers only.
pub fn is_numeric(scalar: &str) -> bool {
    matches!(scalar, "Int" | "Float")
}

/// Minimum and maximum: numbers, strings, dates and times.
pub fn is_ordered(scalar: &str) -> bool {
    matches!(scalar, "Int" | "Float" | "String" | "Date" | "DateTime")
}

/// Dates and times group by a `TimeBucket`.
pub fn is_temporal(scalar: &str) -> bool {
    matches!(scalar, "Date" | "DateTime")
}

/// A single scalar or enum value (not a list, not free-form JSON): what `countDistinct` counts
/// and what groups are keyed by.
fn is_single_value(schema: &Schema, f: &FieldDef) -> bool {
    !f.ty.is_list()
        && f.ty.named() != "JSON"
        && matches!(
            schema.kind(f.ty.named()),
            Some(Kind::Scalar(_) | Kind::Enum(_))
        )
}

/// The fields `countDistinct` takes.
pub fn counted_fields<'a>(schema: &Schema, t: &'a ObjectType) -> Vec<&'a FieldDef> {
    t.fields
        .iter()
        .filter(|f| f.aggregates.is_none() && is_single_value(schema, f))
        .collect()
}

/// The fields `sum` and `avg` take.
pub fn numeric_fields(t: &ObjectType) -> Vec<&FieldDef> {
    t.fields
        .iter()
        .filter(|f| !f.ty.is_list() && is_numeric(f.ty.named()))
        .collect()
}

/// The fields `min` and `max` take.
pub fn ordered_fields(t: &ObjectType) -> Vec<&FieldDef> {
    t.fields
        .iter()
        .filter(|f| !f.ty.is_list() && is_ordered(f.ty.named()))
        .collect()
}

/// How a field can be a group key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupUse<'a> {
    /// Its value (`{status: true}`).
    Value,
    /// Its value or a `TimeBucket` (`{createdAt: MONTH}`).
    Time,
    /// A key inside an embedded object (`{author: {name: true}}`).
    Object(&'a ObjectType),
}

/// The fields groups can be keyed by: single values, and embedded objects (not lists, not
/// relations) that have single values of their own.
pub fn group_fields<'a>(
    schema: &'a Schema,
    t: &'a ObjectType,
) -> Vec<(&'a FieldDef, GroupUse<'a>)> {
    let mut out = Vec::new();
    for f in &t.fields {
        if f.aggregates.is_some() {
            continue;
        }
        if is_single_value(schema, f) {
            let use_ = if is_temporal(f.ty.named()) {
                GroupUse::Time
            } else {
                GroupUse::Value
            };
            out.push((f, use_));
        } else if let Some(Kind::Object(child)) = schema.kind(f.ty.named()) {
            let has_values = child.fields.iter().any(|c| is_single_value(schema, c));
            if !f.ty.is_list()
                && f.relation.is_none()
                && child.role == ObjectRole::Plain
                && has_values
            {
                out.push((f, GroupUse::Object(child)));
            }
        }
    }
    out
}

/// Whether every name fraiseql would generate for aggregates over `node` is free. A schema that
/// already uses one (written before aggregates existed) keeps loading: that type gets no aggregates.
/// Memoized per node in `memo` (one type is reached from its root list, its connection and lists).
fn names_free(schema: &Schema, node: &str, memo: &mut BTreeMap<String, bool>) -> bool {
    if let Some(free) = memo.get(node) {
        return *free;
    }
    let parts = [
        AggregatePart::Whole,
        AggregatePart::Group,
        AggregatePart::GroupKey,
        AggregatePart::CountDistinct,
        AggregatePart::Numeric,
        AggregatePart::MinMax,
    ];
    let mut names: Vec<String> = parts.iter().map(|p| type_name(node, *p)).collect();
    for p in &parts[3..] {
        names.push(format!("{}Having", type_name(node, *p)));
        names.push(format!("{}OrderBy", type_name(node, *p)));
    }
    names.extend([
        group_by_name(node),
        having_name(node),
        group_order_name(node),
    ]);
    let free = names.iter().all(|n| schema.kind(n).is_none());
    memo.insert(node.to_string(), free);
    free
}

/// Adds the aggregate fields and the types behind them.
pub fn generate(schema: &mut Schema, errors: &mut Vec<SchemaError>) {
    if schema.kind(TIME_BUCKET).is_some() {
        return; // the schema's own TimeBucket: no aggregates rather than a schema that stops loading
    }
    let mut nodes: BTreeSet<String> = BTreeSet::new();
    let mut free = BTreeMap::new();
    root_aggregate_fields(schema, &mut nodes, &mut free);
    nested_aggregate_fields(schema, &mut nodes, &mut free);
    let connections: Vec<(String, String)> = schema
        .types
        .values()
        .filter_map(|t| match &t.role {
            ObjectRole::Connection { node } => Some((t.name.clone(), node.clone())),
            _ => None,
        })
        .collect();
    for (conn, node) in connections {
        if !names_free(schema, &node, &mut free) {
            continue;
        }
        let f = field(
            "aggregate",
            non_null(named(&type_name(&node, AggregatePart::Whole))),
            "Aggregates over every object matching the connection's filter (not only this page).",
        );
        schema
            .types
            .get_mut(&conn)
            .expect("listed above")
            .fields
            .push(f);
        nodes.insert(node);
    }
    if nodes.is_empty() {
        return;
    }
    schema.enums.insert(
        TIME_BUCKET.into(),
        EnumType {
            name: TIME_BUCKET.into(),
            description: Some(
                "How a date or time groups: by its value, or truncated to its day, ISO week (from Monday), month or year."
                    .into(),
            ),
            values: TIME_BUCKETS.iter().map(|(n, _)| n.to_string()).collect(),
            value_meta: Default::default(),
            stored: Default::default(),
        },
    );
    let mut out = Generated::default();
    let mut keyed = BTreeSet::new();
    for node in &nodes {
        let t = &schema.types[node];
        aggregate_types(schema, &t, &mut out);
        group_key_types(schema, &t, &mut keyed, &mut out);
    }
    for scalar in out.filters.clone() {
        if !schema.inputs.contains_key(&format!("{scalar}Filter")) {
            out.inputs.push(scalar_filter(schema, &scalar, false));
        }
    }
    // names_free checked every name against every kind of type; only a repeat can clash here.
    for t in out.objects {
        if schema.types.contains_key(&t.name) {
            errors.push(clash(&t.name));
            continue;
        }
        schema.types.insert(t.name.clone(), t);
    }
    for i in out.inputs {
        if schema.inputs.contains_key(&i.name) {
            errors.push(clash(&i.name));
            continue;
        }
        schema.inputs.insert(i.name.clone(), i);
    }
}

fn clash(name: &str) -> SchemaError {
    SchemaError {
        line: 0,
        column: 0,
        message: format!(
            "Type \"{name}\" clashes with a type fraiseql generates for aggregates; rename it."
        ),
    }
}

/// `<field>Aggregate(where:)` beside each root list field (a field the SDL declares itself wins).
fn root_aggregate_fields(
    schema: &mut Schema,
    nodes: &mut BTreeSet<String>,
    free: &mut BTreeMap<String, bool>,
) {
    let query = schema.query();
    let mut added = Vec::new();
    for f in &query.fields {
        if f.root != Some(RootKind::List)
            || !matches!(schema.kind(f.ty.named()), Some(Kind::Object(_)))
            || !names_free(schema, f.ty.named(), free)
        {
            continue;
        }
        let name = format!("{}Aggregate", f.name);
        if query.field(&name).is_some() {
            continue;
        }
        let node = f.ty.named().to_string();
        let mut a = field(
            &name,
            non_null(named(&type_name(&node, AggregatePart::Whole))),
            &format!(
                "Aggregates over the objects `{}` returns with the same filter, in one statement.",
                f.name
            ),
        );
        a.args = vec![arg(
            "where",
            named(&where_name(&node)),
            "Only the objects matching this filter.",
        )];
        a.root = Some(RootKind::Aggregate);
        a.source = f.source.clone();
        a.line = f.line;
        added.push(a);
        nodes.insert(node);
    }
    let q = schema.query_type.clone();
    schema
        .types
        .get_mut(&q)
        .expect("a parsed schema has its query type")
        .fields
        .extend(added);
}

/// `<field>Aggregate(where:)` beside each list of objects inside a type: a `@relation` list or a
/// list embedded in the document.
fn nested_aggregate_fields(
    schema: &mut Schema,
    nodes: &mut BTreeSet<String>,
    free: &mut BTreeMap<String, bool>,
) {
    let names: Vec<String> = schema
        .types
        .values()
        .filter(|t| {
            t.role == ObjectRole::Plain
                && t.name != schema.query_type
                && Some(&t.name) != schema.mutation_type.as_ref()
        })
        .map(|t| t.name.clone())
        .collect();
    for name in names {
        let t = &schema.types[&name];
        let mut added = Vec::new();
        for f in &t.fields {
            let Some(Kind::Object(child)) = schema.kind(f.ty.named()) else {
                continue;
            };
            if !f.ty.is_list()
                || child.role != ObjectRole::Plain
                || !names_free(schema, &child.name, free)
            {
                continue;
            }
            let agg = format!("{}Aggregate", f.name);
            if t.field(&agg).is_some() {
                continue;
            }
            let mut a = field(
                &agg,
                non_null(named(&type_name(&child.name, AggregatePart::Whole))),
                &format!("Aggregates over `{}` with the same filter.", f.name),
            );
            a.args = vec![arg(
                "where",
                named(&where_name(&child.name)),
                "Only the objects matching this filter.",
            )];
            a.aggregates = Some(f.name.clone());
            added.push(a);
            nodes.insert(child.name.clone());
        }
        schema
            .types
            .get_mut(&name)
            .expect("listed above")
            .fields
            .extend(added);
    }
}

#[derive(Default)]
struct Generated {
    objects: Vec<ObjectType>,
    inputs: Vec<InputType>,
    /// Scalars whose `<Scalar>Filter` `having` needs.
    filters: BTreeSet<String>,
}

fn input(name: String, description: String, fields: Vec<InputField>, node: &str) -> InputType {
    InputType {
        name,
        description: Some(description),
        fields,
        role: InputRole::Aggregate {
            object: node.to_string(),
        },
    }
}

/// A field of a generated value or key type: its type's description says what it holds (one string
/// per type rather than per field: a 100-type schema generates some 12,000 of these fields).
fn value_field(name: &str, ty: TypeRef) -> FieldDef {
    FieldDef::synthetic(name, ty, None, vec![])
}

fn input_field(name: &str, ty: TypeRef, description: Option<&str>) -> InputField {
    InputField {
        name: name.into(),
        ty,
        description: description.map(str::to_string),
    }
}

/// One value type (`<T>CountDistinct`, `<T>Numeric` or `<T>MinMax`) with its `…Having` and
/// `…OrderBy` inputs: per field, `scalar` is the type of its value (non-null for counts) and of
/// its `having` filter. Nothing for no fields (GraphQL has no empty types); true when added.
fn value_type(
    node: &str,
    part: AggregatePart,
    fields: &[&FieldDef],
    scalar: impl Fn(&FieldDef) -> &str,
    counts: bool,
    [object_text, having_text, order_text]: [String; 3],
    out: &mut Generated,
) -> bool {
    if fields.is_empty() {
        return false;
    }
    let name = type_name(node, part);
    let value = |f: &FieldDef| {
        let t = named(scalar(f));
        if counts {
            non_null(t)
        } else {
            t
        }
    };
    out.objects.push(object(
        name.clone(),
        &object_text,
        fields
            .iter()
            .map(|f| value_field(&f.name, value(f)))
            .collect(),
        ObjectRole::Aggregate {
            node: node.to_string(),
            part,
        },
    ));
    out.inputs.push(input(
        format!("{name}Having"),
        having_text,
        fields
            .iter()
            .map(|f| input_field(&f.name, named(&format!("{}Filter", scalar(f))), None))
            .collect(),
        node,
    ));
    out.inputs.push(input(
        format!("{name}OrderBy"),
        order_text,
        fields
            .iter()
            .map(|f| input_field(&f.name, named(ORDER_DIRECTION), None))
            .collect(),
        node,
    ));
    for f in fields {
        out.filters.insert(scalar(f).to_string());
    }
    true
}

/// `<T>Aggregate`, `<T>Group`, the per-function value types and the `having` and ordering inputs.
/// Long by design: each type is written out field by field, as introspection shows it.
fn aggregate_types(schema: &Schema, t: &ObjectType, out: &mut Generated) {
    let node = t.name.as_str();
    let role = |part| ObjectRole::Aggregate {
        node: node.to_string(),
        part,
    };
    let counted = counted_fields(schema, t);
    let numeric = numeric_fields(t);
    let ordered = ordered_fields(t);
    let grouped = group_fields(schema, t);
    // The value types, and for each its `having` and ordering input.
    let mut parts: Vec<(&str, AggregatePart, &str)> = Vec::new();
    if value_type(
        node,
        AggregatePart::CountDistinct,
        &counted,
        |_| "Int",
        true,
        [
            format!("The number of distinct non-null values of each field of {node}."),
            format!("Conditions on countDistinct of {node}'s fields."),
            format!("Order groups by countDistinct of one field of {node}."),
        ],
        out,
    ) {
        parts.push((
            "countDistinct",
            AggregatePart::CountDistinct,
            "The number of distinct non-null values of each field.",
        ));
    }
    if value_type(
        node,
        AggregatePart::Numeric,
        &numeric,
        |_| "Float",
        false,
        [
            format!("Sums or averages of {node}'s numeric fields, as Float (null over no values)."),
            format!("Conditions on sums or averages of {node}'s numeric fields."),
            format!("Order groups by the sum or average of one numeric field of {node}."),
        ],
        out,
    ) {
        parts.push(("sum", AggregatePart::Numeric, "Sums of the numeric fields (exact; Float, since a sum of Int values can exceed Int's 32 bits)."));
        parts.push((
            "avg",
            AggregatePart::Numeric,
            "Averages of the numeric fields.",
        ));
    }
    if value_type(
        node,
        AggregatePart::MinMax,
        &ordered,
        |f| f.ty.named(),
        false,
        [
            format!("The smallest or largest value of {node}'s numbers, strings, dates and times (null over no values)."),
            format!("Conditions on the minimum or maximum of {node}'s fields."),
            format!("Order groups by the minimum or maximum of one field of {node}."),
        ],
        out,
    ) {
        parts.push((
            "min",
            AggregatePart::MinMax,
            "The smallest value of each field.",
        ));
        parts.push((
            "max",
            AggregatePart::MinMax,
            "The largest value of each field.",
        ));
    }
    let mut common = vec![field(
        "count",
        non_null(named("Int")),
        "The number of objects.",
    )];
    for (name, part, description) in &parts {
        common.push(field(
            name,
            non_null(named(&type_name(node, *part))),
            description,
        ));
    }
    let mut whole = common.clone();
    if !grouped.is_empty() {
        let mut groups = field(
            "groups",
            non_null(list_of(non_null(named(&type_name(node, AggregatePart::Group))))),
            "The objects grouped by the keys in `by`: each group's key and aggregates. Ordered by `orderBy`, then by the keys.",
        );
        groups.args = vec![
            arg("by", non_null(list_of(non_null(named(&group_by_name(node))))), "The group keys, one field per entry, e.g. [{status: true}, {createdAt: MONTH}]."),
            arg("having", named(&having_name(node)), "Only the groups whose aggregates match."),
            arg("orderBy", list_of(non_null(named(&group_order_name(node)))), "Sort keys for groups, most significant first; the group keys break ties."),
            arg("limit", named("Int"), "Maximum number of groups (default and maximum: settings fraiseql.default_limit, fraiseql.max_limit)."),
            arg("offset", named("Int"), "Number of groups to skip."),
        ];
        whole.push(groups);
        let mut group = vec![field(
            "key",
            non_null(named(&type_name(node, AggregatePart::GroupKey))),
            "The values this group shares (null for fields not in `by`).",
        )];
        group.extend(common);
        out.objects.push(object(
            type_name(node, AggregatePart::Group),
            &format!("One group of {node} objects: its key and its aggregates."),
            group,
            role(AggregatePart::Group),
        ));
        having_and_order(schema, node, &parts, out);
    }
    out.objects.push(object(
        type_name(node, AggregatePart::Whole),
        &format!("Aggregates over a list of {node}, computed in the same statement as the list would be."),
        whole,
        role(AggregatePart::Whole),
    ));
}

/// `<T>Having` (conditions on a group's aggregates, with the operators of `where`) and
/// `<T>GroupOrderBy` (one sort key per entry: a group key or an aggregate).
fn having_and_order(
    schema: &Schema,
    node: &str,
    parts: &[(&str, AggregatePart, &str)],
    out: &mut Generated,
) {
    let h = having_name(node);
    let mut having = vec![input_field(
        "count",
        named("IntFilter"),
        Some("The number of objects in the group."),
    )];
    let mut order = Vec::new();
    if schema.inputs.contains_key(&order_name(node)) {
        order.push(input_field(
            "key",
            named(&order_name(node)),
            Some("A group key (a field in `by`; a bucketed time orders by its bucket)."),
        ));
    }
    order.push(input_field("count", named(ORDER_DIRECTION), None));
    for (name, part, _) in parts {
        let t = type_name(node, *part);
        having.push(input_field(name, named(&format!("{t}Having")), None));
        order.push(input_field(name, named(&format!("{t}OrderBy")), None));
    }
    having.push(input_field(
        "AND",
        list_of(non_null(named(&h))),
        Some("All of these match."),
    ));
    having.push(input_field(
        "OR",
        list_of(non_null(named(&h))),
        Some("At least one of these matches."),
    ));
    having.push(input_field("NOT", named(&h), Some("This does not match.")));
    out.inputs.push(input(
        h,
        format!("Conditions on the aggregates of a group of {node}; several combine with AND."),
        having,
        node,
    ));
    out.inputs.push(input(
        group_order_name(node),
        format!("One sort key for groups of {node}: set exactly one field per list entry."),
        order,
        node,
    ));
}

/// `<T>GroupKey` (output) and `<T>GroupBy` (input) of `t` and of the embedded objects they reach.
fn group_key_types(
    schema: &Schema,
    t: &ObjectType,
    done: &mut BTreeSet<String>,
    out: &mut Generated,
) {
    if !done.insert(t.name.clone()) {
        return;
    }
    let grouped = group_fields(schema, t);
    if grouped.is_empty() {
        return;
    }
    let mut keys = Vec::new();
    let mut by = Vec::new();
    for (f, use_) in &grouped {
        match use_ {
            GroupUse::Value => {
                keys.push(value_field(&f.name, named(f.ty.named())));
                by.push(input_field(&f.name, named("Boolean"), None));
            }
            GroupUse::Time => {
                keys.push(value_field(&f.name, named(f.ty.named())));
                by.push(input_field(&f.name, named(TIME_BUCKET), None));
            }
            GroupUse::Object(child) => {
                let taken = |n: String| schema.kind(&n).is_some();
                if !done.contains(&child.name)
                    && (taken(type_name(&child.name, AggregatePart::GroupKey))
                        || taken(group_by_name(&child.name)))
                {
                    continue; // the schema uses those names itself: no keys inside this object
                }
                group_key_types(schema, child, done, out);
                keys.push(value_field(
                    &f.name,
                    non_null(named(&type_name(&child.name, AggregatePart::GroupKey))),
                ));
                by.push(input_field(
                    &f.name,
                    named(&group_by_name(&child.name)),
                    None,
                ));
            }
        }
    }
    out.objects.push(object(
        type_name(&t.name, AggregatePart::GroupKey),
        &format!(
            "The key of a group of {}: the grouped fields' values (a time's bucket start); null for fields not in `by`.",
            t.name
        ),
        keys,
        ObjectRole::Aggregate {
            node: t.name.clone(),
            part: AggregatePart::GroupKey,
        },
    ));
    out.inputs.push(input(
        group_by_name(&t.name),
        format!(
            "One group key of {}: set exactly one field per list entry — true for a value, a TimeBucket for a date or time, a nested entry for a key inside an embedded object.",
            t.name
        ),
        by,
        &t.name,
    ));
}

#[cfg(test)]
mod tests {
    use crate::schema::{RootKind, Schema};

    const SDL: &str = r#"
enum Status { DRAFT PUBLISHED }
type Author { name: String! country: String }
type Comment { body: String! stars: Int }
type Post @view(name: "v_post") {
  id: ID!
  title: String!
  views: Int
  score: Float
  status: Status
  createdAt: DateTime
  tags: [String!]
  meta: JSON
  author: Author
  comments: [Comment!]!
}
type Query { posts: [Post!]! post(id: ID!): Post }
"#;

    #[test]
    fn every_list_gets_an_aggregate_field_and_its_types() {
        let s = Schema::parse(SDL).unwrap();
        let q = s.query();
        let agg = q.field("postsAggregate").unwrap();
        assert_eq!(agg.root, Some(RootKind::Aggregate));
        assert_eq!(agg.ty.to_string(), "PostAggregate!");
        assert_eq!(
            agg.args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["where"]
        );
        let nested = s.types["Post"].field("commentsAggregate").unwrap();
        assert_eq!(nested.aggregates.as_deref(), Some("comments"));
        assert!(s.types["PostConnection"].field("aggregate").is_some());
        let names = |t: &str| {
            s.types[t]
                .fields
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("PostAggregate"),
            [
                "count",
                "countDistinct",
                "sum",
                "avg",
                "min",
                "max",
                "groups"
            ]
        );
        assert_eq!(names("PostNumeric"), ["views", "score"]);
        assert_eq!(
            names("PostMinMax"),
            ["title", "views", "score", "createdAt"]
        );
        // Lists and JSON are neither counted nor keys; the embedded author is a nested key.
        assert_eq!(
            names("PostCountDistinct"),
            ["id", "title", "views", "score", "status", "createdAt"]
        );
        assert_eq!(
            names("PostGroupKey"),
            [
                "id",
                "title",
                "views",
                "score",
                "status",
                "createdAt",
                "author"
            ]
        );
        assert_eq!(
            s.inputs["PostGroupBy"]
                .field("createdAt")
                .unwrap()
                .ty
                .to_string(),
            "TimeBucket"
        );
        assert_eq!(
            s.inputs["PostGroupBy"]
                .field("author")
                .unwrap()
                .ty
                .to_string(),
            "AuthorGroupBy"
        );
        assert_eq!(
            s.inputs["PostMinMaxHaving"]
                .field("createdAt")
                .unwrap()
                .ty
                .to_string(),
            "DateTimeFilter"
        );
        assert!(s.inputs.contains_key("FloatFilter") && s.inputs.contains_key("DateTimeFilter"));
        assert_eq!(
            s.types["PostMinMax"]
                .field("createdAt")
                .unwrap()
                .ty
                .to_string(),
            "DateTime"
        );
        // A Comment has a number: its aggregates have sums, and groups.
        assert_eq!(names("CommentNumeric"), ["stars"]);
        assert!(s.types["CommentAggregate"].field("groups").is_some());
    }

    #[test]
    fn a_schema_using_a_generated_name_keeps_loading_without_those_aggregates() {
        // Written before aggregates existed: its own PostGroup and AuthorGroupKey stay its own.
        let s = Schema::parse(&format!(
            "{SDL}\ntype PostGroup {{ x: Int }}\ntype AuthorGroupKey {{ y: Int }}"
        ))
        .unwrap();
        assert!(s.query().field("postsAggregate").is_none());
        assert!(s.types["PostConnection"].field("aggregate").is_none());
        assert_eq!(s.types["PostGroup"].fields.len(), 1);
        // Comments still aggregate.
        assert!(s.types["Post"].field("commentsAggregate").is_some());
        // Keys inside the embedded author are left out rather than clashing.
        let s = Schema::parse(&format!("{SDL}\ntype AuthorGroupKey {{ y: Int }}")).unwrap();
        assert!(s.inputs["PostGroupBy"].field("author").is_none());
        assert!(s.inputs["PostGroupBy"].field("title").is_some());
        let s = Schema::parse(&format!("{SDL}\nenum TimeBucket {{ A }}")).unwrap();
        assert!(s.query().field("postsAggregate").is_none());
    }
}
