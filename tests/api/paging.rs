//! Lists (docs/API.md, "Lists"): page sizes, cursors that visit every matching row exactly once in
//! order for every sort, the filters, and every malformed parameter answered 400.

use std::cmp::Ordering;

use serde_json::{Value, json};

use crate::helpers::json::ids;
use crate::helpers::{Caller, TestApp, backend_tests};

/// A query-string value, percent-encoded.
fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// One page: its ids and its `next_cursor`, which must be present (a string or `null`).
async fn page(app: &TestApp, path: &str, field: &str) -> (Vec<i64>, Option<String>) {
    let reply = app.get(Caller::CastingAssistant, path).await;
    reply.assert_status(200);
    let body = reply.body.as_object().expect("an object");
    let next = body
        .get("next_cursor")
        .unwrap_or_else(|| panic!("next_cursor is missing from {}", reply.body));
    assert!(
        next.is_null() || next.is_string(),
        "next_cursor is a string or null: {next}"
    );
    (
        ids(body[field].as_array().expect("a list")),
        next.as_str().map(str::to_owned),
    )
}

/// Creates actors in parallel batches (fast, even for hundreds) and returns their ids in order.
async fn create_actors(app: &TestApp, actors: &[(String, i64, &str)]) -> Vec<i64> {
    let mut created = Vec::with_capacity(actors.len());
    for batch in actors.chunks(10) {
        let futures = batch
            .iter()
            .map(|(name, age, gender)| app.create_actor(name, *age, gender));
        created.extend(futures_util::future::join_all(futures).await);
    }
    created
}

/// The ids of `rows` sorted by `key` then id, ascending; reversed for a descending sort.
fn expected_order<T, K: Ord>(
    rows: &[(i64, T)],
    key: impl Fn(&T) -> K,
    descending: bool,
) -> Vec<i64> {
    let mut sorted: Vec<&(i64, T)> = rows.iter().collect();
    sorted.sort_by(|(a_id, a), (b_id, b)| match key(a).cmp(&key(b)) {
        Ordering::Equal => a_id.cmp(b_id),
        other => other,
    });
    let mut order: Vec<i64> = sorted.into_iter().map(|(id, _)| *id).collect();
    if descending {
        order.reverse();
    }
    order
}

/// The ids a list visits when its cursors are followed from the first page.
async fn visit(app: &TestApp, path: &str, field: &str) -> Vec<i64> {
    ids(&app.list_all(path, field).await)
}

backend_tests! {
    async fn a_page_has_twenty_rows_by_default(app) {
        let rows: Vec<_> = (0..25).map(|i| (format!("Default {i:02}"), 30, "female")).collect();
        let created = create_actors(&app, &rows).await;
        let mut sorted = created.clone();
        sorted.sort_unstable();

        let (first, cursor) = page(&app, "/actors", "actors").await;
        assert_eq!(first, sorted[..20]);
        let cursor = cursor.expect("a next page");
        let (second, next) = page(&app, &format!("/actors?cursor={cursor}"), "actors").await;
        assert_eq!(second, sorted[20..]);
        assert_eq!(next, None);
    }

    async fn a_limit_splits_the_list_at_the_page_boundary(app) {
        let rows: Vec<_> = (0..5).map(|i| (format!("Boundary {i}"), 40, "male")).collect();
        let mut created = create_actors(&app, &rows).await;
        created.sort_unstable();

        // Exactly one page's worth: the page is full and it is the last.
        let (all, next) = page(&app, "/actors?limit=5", "actors").await;
        assert_eq!(all, created);
        assert_eq!(next, None);
        let (all, next) = page(&app, "/actors?limit=100", "actors").await;
        assert_eq!(all, created);
        assert_eq!(next, None);

        // One short of it: a full page, then one row and no cursor.
        let (first, cursor) = page(&app, "/actors?limit=4", "actors").await;
        assert_eq!(first, created[..4]);
        let (second, next) =
            page(&app, &format!("/actors?limit=4&cursor={}", cursor.expect("a cursor")), "actors").await;
        assert_eq!(second, created[4..]);
        assert_eq!(next, None);

        // A page of one at a time visits them all.
        assert_eq!(visit(&app, "/actors?limit=1", "actors").await, created);

        // The page size may change from one page to the next: it is not part of the cursor.
        let (first, cursor) = page(&app, "/actors?limit=1", "actors").await;
        assert_eq!(first, created[..1]);
        let (rest, next) =
            page(&app, &format!("/actors?limit=10&cursor={}", cursor.expect("a cursor")), "actors").await;
        assert_eq!(rest, created[1..]);
        assert_eq!(next, None);
    }

    async fn an_empty_list_is_one_page_without_a_cursor(app) {
        assert_eq!(page(&app, "/actors", "actors").await, (vec![], None));
        assert_eq!(page(&app, "/movies?q=nothing", "movies").await, (vec![], None));
    }

    async fn following_the_cursors_visits_every_actor_once_in_order_for_every_sort(app) {
        // Equal names and equal ages, so that every sort has ties across page boundaries.
        let names = ["Cleo", "Ada", "Bea", "Ada", "Dev", "Cleo", "Ada", "Bea", "Eli", "Cleo", "Ada"];
        let ages = [30, 41, 30, 25, 41, 30, 62, 25, 30, 41, 30];
        let rows: Vec<_> = names
            .iter()
            .zip(ages)
            .map(|(name, age)| ((*name).to_owned(), age, "female"))
            .collect();
        // One by one, so that ids do not follow names or ages.
        let mut actors = Vec::new();
        for (name, age, gender) in &rows {
            let id = app.create_actor(name, *age, gender).await;
            actors.push((id, (name.clone(), *age)));
        }

        for descending in [false, true] {
            let sign = if descending { "-" } else { "" };
            let by_id = expected_order(&actors, |_| (), descending);
            let by_name = expected_order(&actors, |(name, _)| name.clone(), descending);
            let by_age = expected_order(&actors, |(_, age)| *age, descending);
            for (sort, expected) in [("id", by_id), ("name", by_name), ("age", by_age)] {
                for limit in [1, 2, 3, 20] {
                    let path = format!("/actors?sort={sign}{sort}&limit={limit}");
                    assert_eq!(visit(&app, &path, "actors").await, expected, "{path}");
                }
            }
        }
        // The default sort is by id, ascending.
        let mut by_id: Vec<i64> = actors.iter().map(|(id, _)| *id).collect();
        by_id.sort_unstable();
        assert_eq!(visit(&app, "/actors?limit=4", "actors").await, by_id);
    }

    async fn following_the_cursors_visits_every_movie_once_in_order_for_every_sort(app) {
        let rows = [
            ("Orbit", "2001-05-05"),
            ("Harbour", "1999-12-31"),
            ("Orbit", "1999-12-31"),
            ("Avalanche", "2001-05-05"),
            ("Harbour", "2020-02-29"),
            ("Zenith", "1999-12-31"),
            ("Avalanche", "2001-05-05"),
            ("Harbour", "2001-05-05"),
        ];
        let mut movies = Vec::new();
        for (title, date) in rows {
            let id = app.create_movie(title, date).await;
            movies.push((id, (title, date)));
        }

        for descending in [false, true] {
            let sign = if descending { "-" } else { "" };
            let by_id = expected_order(&movies, |_| (), descending);
            let by_title = expected_order(&movies, |(title, _)| *title, descending);
            let by_date = expected_order(&movies, |(_, date)| *date, descending);
            for (sort, expected) in [("id", by_id), ("title", by_title), ("release_date", by_date)] {
                for limit in [1, 3, 100] {
                    let path = format!("/movies?sort={sign}{sort}&limit={limit}");
                    assert_eq!(visit(&app, &path, "movies").await, expected, "{path}");
                }
            }
        }
    }

    async fn a_deep_list_is_paged_to_its_end(app) {
        let rows: Vec<_> = (0..250)
            .map(|i| (format!("Deep {i:03}"), i % 7, if i % 2 == 0 { "female" } else { "male" }))
            .collect();
        let created = create_actors(&app, &rows).await;
        let mut sorted = created.clone();
        sorted.sort_unstable();

        let (first, cursor) = page(&app, "/actors?limit=100", "actors").await;
        assert_eq!(first, sorted[..100]);
        let (second, cursor) =
            page(&app, &format!("/actors?limit=100&cursor={}", cursor.expect("a cursor")), "actors").await;
        assert_eq!(second, sorted[100..200]);
        let (third, next) =
            page(&app, &format!("/actors?limit=100&cursor={}", cursor.expect("a cursor")), "actors").await;
        assert_eq!(third, sorted[200..]);
        assert_eq!(next, None);

        // Seven ages over 250 rows: every page boundary falls inside a run of ties.
        let actors: Vec<(i64, i64)> = created.iter().zip(&rows).map(|(id, row)| (*id, row.1)).collect();
        for sign in ["", "-"] {
            let expected = expected_order(&actors, |age| *age, sign == "-");
            let path = format!("/actors?sort={sign}age&limit=100");
            assert_eq!(visit(&app, &path, "actors").await, expected, "{path}");
        }
    }

    async fn the_name_filter_is_a_case_insensitive_unicode_substring(app) {
        let zoe = app.create_actor("Zoë Saldaña", 46, "female").await;
        let chloe = app.create_actor("Chloë Sevigny", 50, "female").await;
        let plain = app.create_actor("Zoe Kazan", 41, "female").await;
        let _other = app.create_actor("Idris Elba", 52, "male").await;

        for q in ["ZOË", "zoë", "Zoë", "zoË", "  zoë  ", "SALDAÑA"] {
            let found = visit(&app, &format!("/actors?q={}", enc(q)), "actors").await;
            assert_eq!(found, vec![zoe], "q={q:?}");
        }
        assert_eq!(visit(&app, &format!("/actors?q={}", enc("Ë")), "actors").await, vec![zoe, chloe]);
        assert_eq!(visit(&app, "/actors?q=zoe", "actors").await, vec![plain]);
        assert_eq!(visit(&app, "/actors?q=nobody", "actors").await, Vec::<i64>::new());
        // An empty filter filters nothing.
        assert_eq!(visit(&app, "/actors?q=", "actors").await.len(), 4);
    }

    async fn the_title_filter_is_a_case_insensitive_unicode_substring(app) {
        let under = app.create_movie("Ünder the Linden Tree", "2023-05-12").await;
        let amelie = app.create_movie("Le Fabuleux Destin d'Amélie Poulain", "2001-04-25").await;
        let _other = app.create_movie("Under Siege", "1992-10-09").await;

        assert_eq!(visit(&app, &format!("/movies?q={}", enc("üNDER")), "movies").await, vec![under]);
        assert_eq!(visit(&app, &format!("/movies?q={}", enc("AMÉLIE")), "movies").await, vec![amelie]);
        assert_eq!(visit(&app, "/movies?q=under", "movies").await.len(), 1);
    }

    async fn percent_underscore_and_backslash_in_the_filter_match_literally(app) {
        let percent = app.create_actor("Hundred% Pure", 30, "female").await;
        let _digits = app.create_actor("Hundred0 Pure", 30, "female").await;
        let underscore = app.create_actor("snake_case", 30, "female").await;
        let _letter = app.create_actor("snakeXcase", 30, "female").await;
        let backslash = app.create_actor("back\\slash", 30, "female").await;

        assert_eq!(visit(&app, &format!("/actors?q={}", enc("%")), "actors").await, vec![percent]);
        assert_eq!(visit(&app, &format!("/actors?q={}", enc("d% p")), "actors").await, vec![percent]);
        assert_eq!(visit(&app, &format!("/actors?q={}", enc("_")), "actors").await, vec![underscore]);
        assert_eq!(visit(&app, &format!("/actors?q={}", enc("e_c")), "actors").await, vec![underscore]);
        assert_eq!(visit(&app, &format!("/actors?q={}", enc("\\")), "actors").await, vec![backslash]);
        assert_eq!(visit(&app, &format!("/actors?q={}", enc("k\\s")), "actors").await, vec![backslash]);

        let movie = app.create_movie("100% Love", "2011-01-01").await;
        let _other = app.create_movie("1000 Loves", "2011-01-01").await;
        assert_eq!(visit(&app, &format!("/movies?q={}", enc("0%")), "movies").await, vec![movie]);
    }

    async fn the_gender_filter_matches_the_whole_gender_case_insensitively(app) {
        let lower = app.create_actor("Ann", 30, "female").await;
        let title = app.create_actor("Bo", 30, "Female").await;
        let upper = app.create_actor("Cy", 30, "FEMALE").await;
        let _longer = app.create_actor("Di", 30, "femaleish").await;
        let _male = app.create_actor("Ed", 30, "male").await;
        let nonbinary = app.create_actor("Flo", 30, "Non-Binary").await;

        for gender in ["female", "FEMALE", "fEmAlE"] {
            let found = visit(&app, &format!("/actors?gender={gender}"), "actors").await;
            assert_eq!(found, vec![lower, title, upper], "gender={gender}");
        }
        assert_eq!(visit(&app, "/actors?gender=non-binary", "actors").await, vec![nonbinary]);
        assert_eq!(visit(&app, "/actors?gender=fem", "actors").await, Vec::<i64>::new());
    }

    async fn the_age_bounds_are_inclusive(app) {
        let mut by_age = std::collections::BTreeMap::new();
        for age in [0, 29, 30, 31, 32, 33, 150] {
            by_age.insert(age, app.create_actor(&format!("Aged {age}"), age, "male").await);
        }
        let ids_aged = |ages: &[i64]| ages.iter().map(|age| by_age[age]).collect::<Vec<_>>();

        assert_eq!(visit(&app, "/actors?min_age=30&max_age=32", "actors").await, ids_aged(&[30, 31, 32]));
        assert_eq!(visit(&app, "/actors?min_age=31&max_age=31", "actors").await, ids_aged(&[31]));
        assert_eq!(visit(&app, "/actors?min_age=33", "actors").await, ids_aged(&[33, 150]));
        assert_eq!(visit(&app, "/actors?max_age=29", "actors").await, ids_aged(&[0, 29]));
        assert_eq!(visit(&app, "/actors?min_age=0&max_age=150", "actors").await.len(), 7);
    }

    async fn the_release_date_bounds_are_inclusive(app) {
        let early = app.create_movie("Early", "1999-12-31").await;
        let first = app.create_movie("First", "2000-01-01").await;
        let leap = app.create_movie("Leap", "2000-02-29").await;
        let last = app.create_movie("Last", "2000-12-31").await;
        let late = app.create_movie("Late", "2001-01-01").await;

        assert_eq!(
            visit(&app, "/movies?released_after=2000-01-01&released_before=2000-12-31", "movies").await,
            vec![first, leap, last]
        );
        assert_eq!(
            visit(&app, "/movies?released_after=2000-02-29&released_before=2000-02-29", "movies").await,
            vec![leap]
        );
        assert_eq!(visit(&app, "/movies?released_after=2000-12-31", "movies").await, vec![last, late]);
        assert_eq!(visit(&app, "/movies?released_before=2000-01-01", "movies").await, vec![early, first]);
    }

    async fn filters_combine_with_every_sort_and_with_cursors(app) {
        let mut actors = Vec::new();
        for i in 0..45_i64 {
            let name = format!("{} {}", ["Mara", "Lena", "Iris", "Omar", "Ruth"][(i % 5) as usize], i % 4);
            let gender = ["female", "Male", "FEMALE"][(i % 3) as usize];
            let age = 20 + (i * 7) % 25;
            let id = app.create_actor(&name, age, gender).await;
            actors.push((id, (name, age, gender)));
        }
        let matching: Vec<(i64, (String, i64))> = actors
            .iter()
            .filter(|(_, (name, age, gender))| {
                name.to_lowercase().contains("ar") && gender.eq_ignore_ascii_case("female") && (25..=40).contains(age)
            })
            .map(|(id, (name, age, _))| (*id, (name.clone(), *age)))
            .collect();
        assert!(matching.len() >= 4, "the data has enough rows for several pages");

        for sign in ["", "-"] {
            let descending = sign == "-";
            for (sort, expected) in [
                ("id", expected_order(&matching, |_| (), descending)),
                ("name", expected_order(&matching, |(name, _)| name.clone(), descending)),
                ("age", expected_order(&matching, |(_, age)| *age, descending)),
            ] {
                let path = format!("/actors?q=AR&gender=female&min_age=25&max_age=40&sort={sign}{sort}&limit=2");
                assert_eq!(visit(&app, &path, "actors").await, expected, "{path}");
            }
        }

        let mut movies = Vec::new();
        for i in 0..12_i64 {
            let title = format!("{} {i}", if i % 2 == 0 { "Night" } else { "Day" });
            let date = format!("20{:02}-06-15", 10 + i % 6);
            let id = app.create_movie(&title, &date).await;
            movies.push((id, (title, date)));
        }
        let matching: Vec<(i64, (String, String))> = movies
            .iter()
            .filter(|(_, (title, date))| {
                title.starts_with("Night") && date.as_str() >= "2011-01-01" && date.as_str() <= "2014-06-15"
            })
            .cloned()
            .collect();
        for sign in ["", "-"] {
            let descending = sign == "-";
            for (sort, expected) in [
                ("title", expected_order(&matching, |(title, _)| title.clone(), descending)),
                ("release_date", expected_order(&matching, |(_, date)| date.clone(), descending)),
            ] {
                let path = format!(
                    "/movies?q=NIGHT&released_after=2011-01-01&released_before=2014-06-15&sort={sign}{sort}&limit=1"
                );
                assert_eq!(visit(&app, &path, "movies").await, expected, "{path}");
            }
        }
    }

    async fn rows_created_and_deleted_between_pages_do_not_break_the_walk(app) {
        let rows: Vec<_> = (0..6).map(|i| (format!("Walk {i}"), 30, "male")).collect();
        let mut created = create_actors(&app, &rows).await;
        created.sort_unstable();

        let (first, cursor) = page(&app, "/actors?limit=3", "actors").await;
        assert_eq!(first, created[..3]);
        // The last row of the page is deleted and a new row is added: the cursor still works.
        app.delete(Caller::ExecutiveProducer, &format!("/actors/{}", created[2])).await.assert_status(200);
        let added = app.create_actor("Walk 6", 30, "male").await;
        let mut rest = Vec::new();
        let mut cursor = cursor;
        while let Some(current) = cursor {
            let (items, next) = page(&app, &format!("/actors?limit=3&cursor={current}"), "actors").await;
            rest.extend(items);
            cursor = next;
        }
        let mut expected = created[3..].to_vec();
        expected.push(added);
        assert_eq!(rest, expected);
    }

    async fn malformed_list_parameters_are_refused_with_400(app) {
        let bad_actor_queries = [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=abc", "limit"),
            ("limit=-1", "limit"),
            ("limit=", "limit"),
            ("limit=1.5", "limit"),
            ("limit=99999999999999999999", "limit"),
            ("sort=title", "sort"),
            ("sort=release_date", "sort"),
            ("sort=--name", "sort"),
            ("sort=NAME", "sort"),
            ("sort=", "sort"),
            ("sort=name%20", "sort"),
            ("cursor=garbage", "cursor"),
            ("cursor=eyJzIjoiaWQifQ", "cursor"),
            ("min_age=-1", "min_age"),
            ("min_age=151", "min_age"),
            ("max_age=abc", "max_age"),
            ("page=2", "page"),
            ("access_token=abc", "access_token"),
            ("limit=5&limit=5", "limit"),
            ("q=a&q=b", "q"),
            ("released_after=2000-01-01", "released_after"),
        ];
        let long_q = format!("q={}", "a".repeat(201));
        let bad_actor_queries = bad_actor_queries
            .into_iter()
            .chain([(long_q.as_str(), "q"), ("q=a%00b", "q"), ("gender=%07", "gender")]);
        for (query, parameter) in bad_actor_queries {
            let reply = app.get(Caller::CastingAssistant, &format!("/actors?{query}")).await;
            reply.assert_error(400, "bad_request");
            assert!(reply.message().contains(parameter), "{query}: {}", reply.message());
        }

        let bad_movie_queries = [
            ("sort=name", "sort"),
            ("sort=age", "sort"),
            ("released_after=2020-13-01", "released_after"),
            ("released_after=2023-02-29", "released_after"),
            ("released_before=yesterday", "released_before"),
            ("released_before=2020-1-1", "released_before"),
            ("released_before=2020-01-01T00:00:00Z", "released_before"),
            ("gender=female", "gender"),
            ("min_age=3", "min_age"),
            ("limit=0", "limit"),
        ];
        for (query, parameter) in bad_movie_queries {
            let reply = app.get(Caller::CastingAssistant, &format!("/movies?{query}")).await;
            reply.assert_error(400, "bad_request");
            assert!(reply.message().contains(parameter), "{query}: {}", reply.message());
        }
    }

    async fn the_limits_of_the_page_size_are_accepted(app) {
        let rows: Vec<_> = (0..3).map(|i| (format!("Limit {i}"), 30, "male")).collect();
        create_actors(&app, &rows).await;
        assert_eq!(page(&app, "/actors?limit=1", "actors").await.0.len(), 1);
        assert_eq!(page(&app, "/actors?limit=100", "actors").await.0.len(), 3);
    }

    async fn a_cursor_made_for_another_sort_is_refused(app) {
        for i in 0..3 {
            app.create_actor(&format!("Sorted {i}"), 30 + i, "male").await;
        }
        let (_, cursor) = page(&app, "/actors?limit=1&sort=name", "actors").await;
        let cursor = cursor.expect("a cursor");
        // It works with the sort it was made for...
        page(&app, &format!("/actors?limit=1&sort=name&cursor={cursor}"), "actors").await;
        // ...and with no other.
        for other in ["sort=-name&", "sort=age&", "sort=id&", ""] {
            let reply = app
                .get(Caller::CastingAssistant, &format!("/actors?limit=1&{other}cursor={cursor}"))
                .await;
            reply.assert_error(400, "bad_request");
            assert!(reply.message().contains("cursor"), "{}", reply.message());
        }
    }

    async fn a_cursor_made_for_other_filters_is_refused(app) {
        for i in 0..4 {
            app.create_actor(&format!("Filtered {i}"), 30 + i, "female").await;
        }
        let (_, cursor) = page(&app, "/actors?limit=1&q=filtered&min_age=30", "actors").await;
        let cursor = cursor.expect("a cursor");
        page(&app, &format!("/actors?limit=1&q=filtered&min_age=30&cursor={cursor}"), "actors").await;
        for other in [
            "q=filter&min_age=30",
            "q=filtered&min_age=31",
            "q=filtered",
            "min_age=30",
            "q=filtered&min_age=30&max_age=40",
            "q=filtered&min_age=30&gender=female",
            "",
        ] {
            let reply = app
                .get(Caller::CastingAssistant, &format!("/actors?limit=1&{other}&cursor={cursor}"))
                .await;
            reply.assert_error(400, "bad_request");
            assert!(reply.message().contains("cursor"), "{other}: {}", reply.message());
        }

        for i in 0..3 {
            app.create_movie(&format!("Filtered {i}"), "2010-01-01").await;
        }
        let (_, cursor) = page(&app, "/movies?limit=1&released_after=2000-01-01", "movies").await;
        let cursor = cursor.expect("a cursor");
        let reply = app
            .get(Caller::CastingAssistant, &format!("/movies?limit=1&released_after=2000-01-02&cursor={cursor}"))
            .await;
        reply.assert_error(400, "bad_request");
    }

    async fn a_cursor_from_one_list_is_refused_by_the_other(app) {
        for i in 0..2 {
            app.create_actor(&format!("Crossed {i}"), 30, "male").await;
            app.create_movie(&format!("Crossed {i}"), "2010-01-01").await;
        }
        let (_, actor_cursor) = page(&app, "/actors?limit=1", "actors").await;
        let (_, movie_cursor) = page(&app, "/movies?limit=1", "movies").await;
        app.get(Caller::CastingAssistant, &format!("/movies?limit=1&cursor={}", actor_cursor.unwrap()))
            .await
            .assert_error(400, "bad_request");
        app.get(Caller::CastingAssistant, &format!("/actors?limit=1&cursor={}", movie_cursor.unwrap()))
            .await
            .assert_error(400, "bad_request");
    }

    async fn a_tampered_cursor_is_refused(app) {
        for i in 0..3 {
            app.create_actor(&format!("Tampered {i}"), 30, "male").await;
        }
        let (_, cursor) = page(&app, "/actors?limit=1&sort=age", "actors").await;
        let cursor = cursor.expect("a cursor");
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let decoded: Value = serde_json::from_slice(&engine.decode(&cursor).expect("base64url"))
            .expect("JSON inside");
        // The same cursor with a sort key of the wrong type, and with a nonsensical id.
        let mut wrong_key = decoded.clone();
        wrong_key["k"] = json!("thirty");
        let mut wrong_id = decoded.clone();
        wrong_id["i"] = json!(-5);
        for tampered in [wrong_key, wrong_id] {
            let raw = engine.encode(tampered.to_string());
            app.get(Caller::CastingAssistant, &format!("/actors?limit=1&sort=age&cursor={raw}"))
                .await
                .assert_error(400, "bad_request");
        }
        // A cursor longer than any real one.
        let long = "A".repeat(5000);
        app.get(Caller::CastingAssistant, &format!("/actors?cursor={long}"))
            .await
            .assert_error(400, "bad_request");
    }
}
