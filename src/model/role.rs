//! A role of a movie's breakdown: the character to cast, and whom the office looks for.

use super::body::Problem;
use super::fields::{Description, Gender, PlayingAge, Positions, RoleName};
use super::resource::resource;

resource! {
    /// A role: a character of the movie, to be cast.
    pub struct RoleFields as "NewRole", changed by RoleChanges {
        name: RoleName => required "Name" [Folded],
        description: Option<Description> => optional "Description",
        gender: Option<Gender> => optional "Gender",
        age_min: Option<PlayingAge> => optional "Age from",
        age_max: Option<PlayingAge> => optional "Age up to",
        positions: Positions => optional "Positions",
    }
    aliases: [],
    broken: ages_in_order,
}

/// A new role: the request body of `POST /movies/{id}/roles`.
pub type NewRole = RoleFields;

/// The youngest age a role asks for is not above the oldest.
fn ages_in_order(role: &RoleFields) -> Vec<Problem> {
    match (role.age_min, role.age_max) {
        (Some(min), Some(max)) if min > max => vec![Problem {
            field: Some("age_min".to_owned()),
            message: format!("must not be above age_max ({max})"),
        }],
        _ => Vec::new(),
    }
}
