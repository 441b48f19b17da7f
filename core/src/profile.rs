//! Security profiles (`fraiseql.security_profile`): what `standard`, `regulated` and `restricted`
//! impose on top of the individual settings. A profile only ever tightens: the rule in force is the
//! stricter of the setting and the profile.
use crate::request::limits::QueryLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The settings as they are.
    Standard,
    /// For regulated data: no introspection, tighter size limits, internal errors masked, every query
    /// audited like a mutation.
    Regulated,
    /// Regulated, and only persisted (allow-listed) documents run.
    Restricted,
}

/// The individual rules a request is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub introspection: bool,
    pub limits: QueryLimits,
    /// Database and internal error messages replaced by a reference logged on the server.
    pub mask_errors: bool,
    /// Queries append audit entries too (so they must run in a read-write transaction).
    pub audit_queries: bool,
    /// Only documents in `fraiseql.persisted_query` run.
    pub persisted_only: bool,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Standard => "standard",
            Profile::Regulated => "regulated",
            Profile::Restricted => "restricted",
        }
    }

    /// `settings` tightened by the profile.
    pub fn apply(self, settings: Rules) -> Rules {
        let (depth, fields, aliases, cost) = match self {
            Profile::Standard => return settings,
            Profile::Regulated => (12, 1000, 15, 20_000),
            Profile::Restricted => (10, 500, 10, 10_000),
        };
        Rules {
            introspection: false,
            limits: QueryLimits {
                max_depth: settings.limits.max_depth.min(depth),
                max_fields: settings.limits.max_fields.min(fields),
                max_aliases: settings.limits.max_aliases.min(aliases),
                max_cost: settings.limits.max_cost.min(cost),
            },
            mask_errors: true,
            audit_queries: true,
            persisted_only: settings.persisted_only || self == Profile::Restricted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Rules {
        Rules {
            introspection: true,
            limits: QueryLimits {
                max_depth: 20,
                max_fields: 2000,
                max_aliases: 30,
                max_cost: 50_000,
            },
            mask_errors: false,
            audit_queries: false,
            persisted_only: false,
        }
    }

    #[test]
    fn profiles_only_tighten() {
        assert_eq!(Profile::Standard.apply(open()), open());
        let regulated = Profile::Regulated.apply(open());
        assert!(!regulated.introspection && regulated.mask_errors && regulated.audit_queries);
        assert!(!regulated.persisted_only);
        assert_eq!(
            regulated.limits,
            QueryLimits {
                max_depth: 12,
                max_fields: 1000,
                max_aliases: 15,
                max_cost: 20_000,
            }
        );
        let restricted = Profile::Restricted.apply(open());
        assert!(restricted.persisted_only);
        assert_eq!(
            restricted.limits,
            QueryLimits {
                max_depth: 10,
                max_fields: 500,
                max_aliases: 10,
                max_cost: 10_000,
            }
        );
        // A stricter setting stays stricter than the profile.
        let tight = Rules {
            limits: QueryLimits {
                max_depth: 5,
                max_fields: 50,
                max_aliases: 3,
                max_cost: 100,
            },
            persisted_only: true,
            ..open()
        };
        let applied = Profile::Regulated.apply(tight);
        assert_eq!(applied.limits, tight.limits);
        assert!(applied.persisted_only);
    }
}
