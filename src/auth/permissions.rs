//! The agency's permissions, the roles that bundle them, and the [`Principal`] a verified token
//! yields. The permission strings are the contract with the identity provider (docs/API.md, "Roles
//! and permissions"); nothing here knows about tokens beyond reading a `permissions` array.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, SeqAccess, Visitor};

/// One thing a caller may be allowed to do, as named in a token's `permissions` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    GetActors,
    GetMovies,
    PostActor,
    PostMovie,
    PatchActor,
    PatchMovie,
    DeleteActor,
    DeleteMovie,
    /// Check people in at a session's door, and mark them seen or absent.
    PatchSession,
}

impl Permission {
    /// Every permission, in a stable order (the order [`Principal::permissions`] yields them).
    pub const ALL: [Permission; 9] = [
        Permission::GetActors,
        Permission::GetMovies,
        Permission::PostActor,
        Permission::PostMovie,
        Permission::PatchActor,
        Permission::PatchMovie,
        Permission::DeleteActor,
        Permission::DeleteMovie,
        Permission::PatchSession,
    ];

    /// The name used in tokens, e.g. `"get:actors"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::GetActors => "get:actors",
            Permission::GetMovies => "get:movies",
            Permission::PostActor => "post:actor",
            Permission::PostMovie => "post:movie",
            Permission::PatchActor => "patch:actor",
            Permission::PatchMovie => "patch:movie",
            Permission::DeleteActor => "delete:actor",
            Permission::DeleteMovie => "delete:movie",
            Permission::PatchSession => "patch:session",
        }
    }

    /// The permission with this exact name; `None` for anything else (names are case-sensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    const fn bit(self) -> u16 {
        1 << self as u8
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role of the agency's staff; a role is only a name for a fixed set of permissions, used by
/// the local identity provider to issue tokens. Verification never looks at roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Role {
    CastingAssistant,
    CastingDirector,
    ExecutiveProducer,
}

impl Role {
    /// Every role, from the least to the most privileged.
    pub const ALL: [Role; 3] = [
        Role::CastingAssistant,
        Role::CastingDirector,
        Role::ExecutiveProducer,
    ];

    /// The permissions the role grants (docs/API.md, "Roles and permissions").
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::CastingAssistant => &[GetActors, GetMovies, PatchSession],
            Role::CastingDirector => &[
                GetActors,
                GetMovies,
                PostActor,
                DeleteActor,
                PatchActor,
                PatchMovie,
                PatchSession,
            ],
            Role::ExecutiveProducer => &Permission::ALL,
        }
    }

    /// The role's name for people, e.g. `"Casting Director"`.
    pub fn label(self) -> &'static str {
        match self {
            Role::CastingAssistant => "Casting Assistant",
            Role::CastingDirector => "Casting Director",
            Role::ExecutiveProducer => "Executive Producer",
        }
    }

    /// The role whose permissions are exactly these, if any.
    pub fn of(principal: &Principal) -> Option<Role> {
        Role::ALL.into_iter().find(|role| {
            principal.permissions().count() == role.permissions().len()
                && role.permissions().iter().all(|p| principal.has(*p))
        })
    }

    /// The role's name on the command line and in local subjects, e.g. `"casting-director"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CastingAssistant => "casting-assistant",
            Role::CastingDirector => "casting-director",
            Role::ExecutiveProducer => "executive-producer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions, one bit each: checking one is a mask, not a search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PermissionSet(u16);

impl PermissionSet {
    fn insert(&mut self, permission: Permission) {
        self.0 |= permission.bit();
    }

    fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = PermissionSet::default();
        iter.into_iter().for_each(|p| set.insert(p));
        set
    }
}

/// Reads a `permissions` claim: it must be an array of strings (anything else fails the
/// token); strings that name no permission of this service are ignored, because a provider
/// may hold permissions for other APIs too.
impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(PermissionSetVisitor)
    }
}

struct PermissionSetVisitor;

impl<'de> Visitor<'de> for PermissionSetVisitor {
    type Value = PermissionSet;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of permission names")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut set = PermissionSet::default();
        while let Some(PermissionName(permission)) = seq.next_element()? {
            if let Some(permission) = permission {
                set.insert(permission);
            }
        }
        Ok(set)
    }
}

/// One element of a `permissions` array: a string, known or not. Reading it through a visitor
/// avoids allocating a `String` per element.
struct PermissionName(Option<Permission>);

impl<'de> Deserialize<'de> for PermissionName {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl Visitor<'_> for NameVisitor {
            type Value = PermissionName;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a permission name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
                Ok(PermissionName(Permission::parse(name)))
            }
        }

        deserializer.deserialize_str(NameVisitor)
    }
}

/// Who a verified token speaks for, and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub` claim; empty if the token has none (the contract does not require it).
    pub subject: String,
    /// The token's `name` claim, or its `email`, for people to read (the history's "by").
    pub name: Option<String>,
    permissions: PermissionSet,
}

impl Principal {
    /// A principal with exactly these permissions (handy for tests of the HTTP layer).
    pub fn new(
        subject: impl Into<String>,
        permissions: impl IntoIterator<Item = Permission>,
    ) -> Self {
        Self::with_set(subject.into(), None, permissions.into_iter().collect())
    }

    pub(super) fn with_set(
        subject: String,
        name: Option<String>,
        permissions: PermissionSet,
    ) -> Self {
        Principal {
            subject,
            name,
            permissions,
        }
    }

    /// Whether the token granted this permission.
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// The permissions the token granted, in [`Permission::ALL`] order.
    pub fn permissions(&self) -> impl Iterator<Item = Permission> + use<> {
        let set = self.permissions;
        Permission::ALL
            .into_iter()
            .filter(move |p| set.contains(*p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<PermissionSet, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn every_permission_name_parses_back_to_itself() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(Permission::parse("GET:ACTORS"), None);
        assert_eq!(Permission::parse("get:actor"), None);
    }

    #[test]
    fn roles_grant_the_permissions_of_the_spec_table() {
        use Permission::*;
        let granted = |role: Role| -> Vec<&str> {
            Principal::new("x", role.permissions().iter().copied())
                .permissions()
                .map(Permission::as_str)
                .collect()
        };
        assert_eq!(
            granted(Role::CastingAssistant),
            ["get:actors", "get:movies", "patch:session"]
        );
        let director = Principal::new("x", Role::CastingDirector.permissions().iter().copied());
        for p in [
            GetActors,
            GetMovies,
            PostActor,
            DeleteActor,
            PatchActor,
            PatchMovie,
            PatchSession,
        ] {
            assert!(director.has(p), "{p}");
        }
        assert!(!director.has(PostMovie) && !director.has(DeleteMovie));
        assert_eq!(granted(Role::ExecutiveProducer).len(), 9);
    }

    #[test]
    fn role_names_are_the_command_line_names() {
        use clap::ValueEnum;
        for role in Role::ALL {
            let value = role.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(value.as_deref(), Some(role.as_str()));
        }
    }

    #[test]
    fn a_permissions_array_ignores_unknown_names() {
        let set = read(r#"["get:actors", "read:everything", "post:movie"]"#).unwrap();
        let principal = Principal::with_set(String::new(), None, set);
        assert_eq!(
            principal.permissions().collect::<Vec<_>>(),
            [Permission::GetActors, Permission::PostMovie]
        );
    }

    #[test]
    fn a_permissions_claim_that_is_not_an_array_of_strings_is_an_error() {
        for bad in [
            r#""get:actors""#,
            "null",
            "7",
            r#"["get:actors", 1]"#,
            r#"[null]"#,
            r#"[["get:actors"]]"#,
            "{}",
        ] {
            assert!(read(bad).is_err(), "{bad} was accepted");
        }
    }
}
