//! `movie-manager seed --demo`: a small, realistic catalogue to explore the API and the web app
//! with. It goes through the same storage functions as the API, so it obeys the same rules.

use serde_json::{Value, json};

use super::history::Editor;
use super::{Database, actors, castings, movies, on_pool};
use crate::model::{Character, Field, NewActor, NewMovie, RequestBody};

const ACTORS: &[(&str, i32, &str)] = &[
    ("Amara Okafor", 34, "female"),
    ("Benedikt Strand", 52, "male"),
    ("Camila Reyes", 27, "female"),
    ("Daniel Whitford", 45, "male"),
    ("Élodie Marchand", 39, "female"),
    ("Farid Haddad", 61, "male"),
    ("Greta Lindqvist", 23, "female"),
    ("Hiroshi Tanaka", 58, "male"),
    ("Ines Carvalho", 31, "female"),
    ("Jonah Abernathy", 19, "male"),
    ("Kateryna Bondar", 42, "female"),
    ("Luca Bianchi", 36, "male"),
    ("Maya Goldberg", 29, "female"),
    ("Nikolai Volkov", 67, "male"),
    ("Olivia Hart", 48, "female"),
    ("Pedro Alvarez", 33, "male"),
    ("Quinn Harper", 26, "non-binary"),
    ("Rosa Delgado", 55, "female"),
    ("Samuel Mensah", 40, "male"),
    ("Tamsin Pryce", 22, "female"),
    ("Ulrich Baumann", 71, "male"),
    ("Valentina Rossi", 37, "female"),
    ("William Chen", 44, "male"),
    ("Ximena Ortiz", 30, "female"),
    ("Yusuf Demir", 50, "male"),
    ("Zoë Laurent", 25, "female"),
    ("Aiden O'Sullivan", 35, "male"),
    ("Beatriz Santos", 63, "female"),
    ("Callum Fraser", 28, "male"),
    ("Dalia Nasser", 46, "female"),
    ("Emil Kowalski", 32, "male"),
    ("Freya Nilsen", 20, "female"),
    ("Gabriel Dubois", 57, "male"),
    ("Hana Kim", 24, "female"),
    ("Isaac Levi", 69, "male"),
    ("Jade Thompson", 38, "female"),
];

const MOVIES: &[(&str, &str)] = &[
    ("The Lighthouse Keeper's Daughter", "1998-04-17"),
    ("Midnight on the Rue Cler", "2001-09-07"),
    ("Salt and Iron", "2004-11-19"),
    ("A Winter in Kyoto", "2006-02-03"),
    ("The Cartographer", "2008-06-27"),
    ("Glass Harbour", "2010-10-15"),
    ("Seven Bridges to Lisbon", "2011-05-20"),
    ("The Long Quiet", "2012-08-31"),
    ("Orchard Lane", "2013-03-22"),
    ("Copper Sky", "2014-07-11"),
    ("The Understudy", "2015-01-30"),
    ("Northbound", "2015-12-18"),
    ("Paper Lanterns", "2016-09-23"),
    ("The Weight of Water", "2017-04-07"),
    ("Static Bloom", "2018-02-16"),
    ("Harbour Lights", "2018-11-09"),
    ("The Last Projectionist", "2019-06-14"),
    ("Velvet Hour", "2020-10-10"),
    ("Small Gods of August", "2021-08-06"),
    ("Ashes in Amber", "2022-03-25"),
    ("The Quiet Engine", "2022-12-02"),
    ("Under the Linden Tree", "2023-05-12"),
    ("Ferryman", "2023-10-27"),
    ("A Map of Small Places", "2024-04-19"),
    ("The Borrowed Summer", "2024-09-13"),
    ("Cloudbreak", "2025-02-21"),
    ("Tidewater", "2025-07-04"),
    ("Nightjar", "2026-01-16"),
];

const CHARACTERS: &[&str] = &[
    "The Detective",
    "Mara",
    "The Stranger",
    "Captain Hale",
    "Young Iris",
    "The Narrator",
    "Father Tomas",
    "Lena",
    "The Conductor",
    "Agent Rowe",
    "Grandmother",
    "Felix",
];

/// Cast members per movie.
const CAST_SIZE: usize = 4;

/// Adds the demo catalogue unless the database already holds actors or movies.
pub async fn demo(db: &Database) -> anyhow::Result<String> {
    let existing: i64 = on_pool!(db, pool => {
        sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM actors) + (SELECT COUNT(*) FROM movies)")
            .fetch_one(pool)
            .await?
    });
    if existing > 0 {
        return Ok(format!(
            "the catalogue already has {existing} actors and movies; nothing was added"
        ));
    }
    let editor = Editor::command("seed");
    let mut actor_ids = Vec::with_capacity(ACTORS.len());
    for (name, age, gender) in ACTORS {
        let actor: NewActor = body(json!({"name": name, "age": age, "gender": gender}))?;
        actor_ids.push(actors::create(db, &actor, &editor).await?.id);
    }
    let mut castings_added = 0;
    for (index, (title, date)) in MOVIES.iter().enumerate() {
        let movie: NewMovie = body(json!({"title": title, "release_date": date}))?;
        let movie_id = movies::create(db, &movie, &editor).await?.id;
        for slot in 0..CAST_SIZE {
            // A spread that gives every actor a few movies and every movie a mixed cast.
            let actor_id = actor_ids[(index * 5 + slot * 7) % actor_ids.len()];
            let character = CHARACTERS[(index + slot * 3) % CHARACTERS.len()];
            let character = Character::parse(&json!(character)).map_err(anyhow::Error::msg)?;
            castings::cast(db, movie_id, actor_id, character, None, &editor).await?;
            castings_added += 1;
        }
    }
    Ok(format!(
        "added {} actors, {} movies and {castings_added} castings",
        ACTORS.len(),
        MOVIES.len()
    ))
}

/// A request body from JSON, through the same rules as the API's.
fn body<T: RequestBody>(value: Value) -> anyhow::Result<T> {
    match value {
        Value::Object(object) => Ok(T::from_object(object)?),
        other => anyhow::bail!("not a JSON object: {other}"),
    }
}
