//! An actor (a performer): who they are, and the profile a casting office searches by.

use super::body::Problem;
use super::fields::{
    Age, Agent, Gender, Height, Languages, Name, Notes, PlayingAge, Skills, Unions,
};
use super::resource::resource;

resource! {
    /// An actor.
    pub struct ActorFields as "NewActor", changed by ActorChanges {
        name: Name => required "Name" [Folded],
        age: Age => required "Age",
        gender: Gender => required "Gender" [Folded],
        playing_age_min: Option<PlayingAge> => optional "Plays from age",
        playing_age_max: Option<PlayingAge> => optional "Plays up to age",
        height_cm: Option<Height> => optional "Height (cm)",
        skills: Skills => optional "Skills" [Indexed],
        languages: Languages => optional "Languages" [Indexed],
        unions: Unions => optional "Unions" [Indexed],
        agent: Option<Agent> => optional "Agent",
        notes: Option<Notes> => optional "Notes",
    }
    aliases: [],
    broken: playing_ages_in_order,
}

/// A new actor: the request body of `POST /actors` and a row of an import.
pub type NewActor = ActorFields;

/// The youngest age a performer plays is not above the oldest.
fn playing_ages_in_order(actor: &ActorFields) -> Vec<Problem> {
    match (actor.playing_age_min, actor.playing_age_max) {
        (Some(min), Some(max)) if min > max => vec![Problem {
            field: Some("playing_age_min".to_owned()),
            message: format!("must not be above playing_age_max ({max})"),
        }],
        _ => Vec::new(),
    }
}
