//! The web app in a real browser: headless Chromium, driven through chromedriver. Signing in
//! with the built-in provider and with an external one, what each role sees, the producer's
//! whole round of a movie, validation, conflicts, CSV export, signing out, the keyboard, a
//! phone's width, and that nothing is fetched from another origin.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::Backend;
use crate::helpers::browser::{Browser, button, labelled, link};
use crate::helpers::oidc::{OidcProvider, free_port, spawn_for};
use crate::helpers::web::LocalApp;

const ROLES: [&str; 3] = [
    "Casting Assistant",
    "Casting Director",
    "Executive Producer",
];

/// Creates a resource through the API and returns its id.
async fn create(app: &LocalApp, token: &str, path: &str, body: Value) -> i64 {
    app.api_send(token, Method::POST, path, body).await["created"]
        .as_i64()
        .expect("an id")
}

/// Waits until `check` holds of the API's view of `path`.
async fn eventually(
    app: &LocalApp,
    token: &str,
    path: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let seen = json!({"status": status, "body": body});
        if check(&seen) {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never became as expected: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_signs_in_with_the_built_in_provider() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let browser = Browser::start().await;
    for role in ROLES {
        browser.goto(&format!("{}/", app.address)).await;
        browser.wait_for_heading("Sign in").await;
        for choice in ROLES {
            assert!(browser.has(&button(choice)).await, "a button {choice:?}");
        }
        browser.click(&button(role)).await;
        browser
            .wait_for_url(&format!("{}/app/movies", app.address))
            .await;
        assert_eq!(browser.text("//*[@class='who-role']").await, role);
        let who = browser.text("//*[@class='who-name']").await;
        assert_eq!(who, format!("Local {}", role.to_lowercase()));
        assert!(browser.has(&link("Actors")).await && browser.has(&link("Movies")).await);
        browser.click(&button("Sign out")).await;
        browser
            .wait_for_url(&format!("{}/app/signed-out", app.address))
            .await;
        browser.wait_for_heading("Signed out").await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assistant_sees_no_write_controls() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let producer = app.api_token("executive-producer").await;
    let actor = create(
        &app,
        &producer,
        "/actors",
        json!({"name": "Ada Lovelace", "age": 36, "gender": "female"}),
    )
    .await;
    let movie = create(
        &app,
        &producer,
        "/movies",
        json!({"title": "The Engine", "release_date": "1843-10-10"}),
    )
    .await;
    app.api_send(
        &producer,
        Method::PUT,
        &format!("/movies/{movie}/actors/{actor}"),
        json!({"character": "Countess"}),
    )
    .await;

    let browser = Browser::start().await;
    browser
        .sign_in_locally(&format!("{}/app/movies", app.address), "Casting Assistant")
        .await;
    assert!(browser.has(&link("The Engine")).await);
    assert!(!browser.has(&link("New movie")).await);
    assert!(
        browser.has(&link("Export CSV")).await,
        "reading includes exporting"
    );
    browser.click(&link("The Engine")).await;
    browser.wait_for_heading("The Engine").await;
    assert!(
        browser.has("//td[normalize-space()='Countess']").await,
        "the cast, with characters"
    );
    for control in [
        link("Edit"),
        link("Delete"),
        button("Add to cast"),
        button("Remove"),
        button("Save"),
    ] {
        assert!(!browser.has(&control).await, "{control}");
    }
    assert!(!browser.has("//input[@name='character']").await);

    browser.click(&link("Actors")).await;
    browser.wait_for_heading("Actors").await;
    assert!(!browser.has(&link("New actor")).await);
    browser.click(&link("Ada Lovelace")).await;
    browser.wait_for_heading("Ada Lovelace").await;
    assert!(browser.has(&link("The Engine")).await, "her movies");
    for control in [
        link("Edit"),
        link("Delete"),
        button("Add to cast"),
        button("Remove"),
    ] {
        assert!(!browser.has(&control).await, "{control}");
    }

    browser
        .goto(&format!("{}/app/movies/new", app.address))
        .await;
    browser.wait_for_heading("Not allowed").await;
    browser.close().await;
}

async fn a_producer_creates_casts_edits_uncasts_and_deletes_a_movie(backend: Backend) {
    let app = LocalApp::spawn(backend).await;
    let producer = app.api_token("executive-producer").await;
    for (name, age) in [
        ("Ada Lovelace", 36),
        ("Grace Hopper", 85),
        ("Alan Turing", 41),
    ] {
        create(
            &app,
            &producer,
            "/actors",
            json!({"name": name, "age": age, "gender": "any"}),
        )
        .await;
    }
    let browser = Browser::start().await;
    browser
        .sign_in_locally(&format!("{}/app/movies", app.address), "Executive Producer")
        .await;

    browser.click(&link("New movie")).await;
    browser.wait_for_heading("New movie").await;
    browser.fill("Title", "The Difference Engine").await;
    browser
        .run("document.getElementById('release_date').value = '1843-10-10'")
        .await;
    browser.click(&button("Save")).await;
    browser.wait_for_heading("The Difference Engine").await;
    browser.wait_for_text("The movie was added.").await;
    let url = browser.url().await;
    let id: i64 = url
        .split("/app/movies/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a movie's page: {url}"));

    for (search, name, character) in [
        ("ada", "Ada Lovelace", "Countess"),
        ("hop", "Grace Hopper", "Admiral"),
    ] {
        browser.fill("Search actors", search).await;
        browser.press(Key::Enter).await;
        browser
            .wait_for_url(&format!("{}/app/movies/{id}?actor_q={search}", app.address))
            .await;
        browser.choose("Actor", name).await;
        browser.fill("Character", character).await;
        browser.click(&button("Add to cast")).await;
        browser
            .find(&format!(
                "//section[@id='cast']//a[normalize-space()='{name}']"
            ))
            .await;
    }
    let cast = eventually(&app, &producer, &format!("/movies/{id}"), |seen| {
        seen["body"]["movie"]["cast"]
            .as_array()
            .is_some_and(|cast| cast.len() == 2)
    })
    .await;
    assert_eq!(cast["body"]["movie"]["cast"][0]["character"], "Countess");

    browser
        .fill("Character of Grace Hopper", "Rear Admiral")
        .await;
    browser
        .click("//button[@aria-label='Save the character of Grace Hopper']")
        .await;
    eventually(&app, &producer, &format!("/movies/{id}"), |seen| {
        seen["body"]["movie"]["cast"][1]["character"] == "Rear Admiral"
    })
    .await;

    browser
        .click("//button[@aria-label='Remove Ada Lovelace']")
        .await;
    eventually(&app, &producer, &format!("/movies/{id}"), |seen| {
        seen["body"]["movie"]["cast"]
            .as_array()
            .is_some_and(|cast| cast.len() == 1)
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser
        .has("//section[@id='cast']//a[normalize-space()='Ada Lovelace']")
        .await
    {
        assert!(
            Instant::now() < deadline,
            "the page still shows her in the cast"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    browser.click(&link("Delete")).await;
    browser
        .wait_for_heading("Delete The Difference Engine?")
        .await;
    browser.click(&button("Delete")).await;
    browser
        .wait_for_url(&format!("{}/app/movies?done=deleted", app.address))
        .await;
    browser.wait_for_text("The movie was deleted.").await;
    eventually(&app, &producer, &format!("/movies/{id}"), |seen| {
        seen["status"] == 404
    })
    .await;
    browser.close().await;
}

mod a_producer_creates_a_movie_casts_two_actors_edits_one_removes_one_and_deletes_it {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        a_producer_creates_casts_edits_uncasts_and_deletes_a_movie(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        a_producer_creates_casts_edits_uncasts_and_deletes_a_movie(Backend::Postgres).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_error_appears_beside_its_field_and_what_was_typed_is_kept() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let browser = Browser::start().await;
    browser
        .sign_in_locally(
            &format!("{}/app/actors/new", app.address),
            "Casting Director",
        )
        .await;
    browser.wait_for_heading("New actor").await;
    browser.fill("Name", "Zoë Saldaña").await;
    browser.fill("Age", "200").await;
    browser.fill("Gender", "female").await;
    browser.click(&button("Save")).await;
    let error = browser.find("//p[@id='age-error']").await;
    assert_eq!(error.text().await.unwrap(), "Age must be between 0 and 150");
    let age = browser.find(&labelled("Age")).await;
    assert_eq!(
        age.attr("aria-describedby").await.unwrap().as_deref(),
        Some("age-error")
    );
    assert_eq!(
        age.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(age.prop("value").await.unwrap().as_deref(), Some("200"));
    let name = browser.find(&labelled("Name")).await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Zoë Saldaña")
    );
    assert!(
        !browser.has("//p[@id='name-error']").await,
        "only the field at fault"
    );
    assert!(
        browser.has("//*[@role='alert']").await,
        "the problem is announced"
    );

    browser.fill("Age", "46").await;
    browser.click(&button("Save")).await;
    browser.wait_for_heading("Zoë Saldaña").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_edit_shows_the_conflict_and_can_be_applied_again() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let director = app.api_token("casting-director").await;
    let id = create(
        &app,
        &director,
        "/actors",
        json!({"name": "Sam Stale", "age": 40, "gender": "male"}),
    )
    .await;
    let browser = Browser::start().await;
    browser
        .sign_in_locally(
            &format!("{}/app/actors/{id}/edit", app.address),
            "Casting Director",
        )
        .await;
    browser.wait_for_heading("Edit Sam Stale").await;
    browser.fill("Age", "41").await;
    app.api_send(
        &director,
        Method::PATCH,
        &format!("/actors/{id}"),
        json!({"age": 45}),
    )
    .await;
    browser.click(&button("Save")).await;
    browser.wait_for_heading("Sam Stale changed").await;
    browser.wait_for_text("changed since you opened it").await;
    let age_row = browser.text("//tr[th[normalize-space()='Age']]").await;
    assert_eq!(age_row, "Age 45 41", "now, beside yours");
    browser.click(&button("Apply my changes")).await;
    browser.wait_for_heading("Sam Stale").await;
    browser.wait_for_text("Your changes were saved.").await;
    eventually(&app, &director, &format!("/actors/{id}"), |seen| {
        seen["body"]["actor"]["age"] == 41
    })
    .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filtered_list_exports_as_csv_and_signing_out_ends_the_session() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let producer = app.api_token("executive-producer").await;
    for (title, date) in [
        ("Alpha", "2001-01-01"),
        ("Beta", "2002-02-02"),
        ("Alphaville", "1965-05-05"),
    ] {
        create(
            &app,
            &producer,
            "/movies",
            json!({"title": title, "release_date": date}),
        )
        .await;
    }
    let browser = Browser::start().await;
    browser
        .sign_in_locally(&format!("{}/app/movies", app.address), "Casting Assistant")
        .await;
    // htmx updates the results as one types, and keeps the URL in step.
    browser.choose("Sort", "Title, A to Z").await;
    browser.fill("Search", "alpha").await;
    browser
        .wait_for_url(&format!("{}/app/movies?q=alpha", app.address))
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.has(&link("Beta")).await {
        assert!(Instant::now() < deadline, "the results never narrowed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(browser.url().await.contains("sort=title"));
    let export = browser.find(&link("Export CSV")).await;
    let href = export.attr("href").await.unwrap().expect("a link");
    assert_eq!(href, "/app/movies.csv?q=alpha&sort=title");
    let csv = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.querySelector('a[download]').href)
               .then(r => r.text().then(text => done([r.status, r.headers.get('content-type'), text])));",
        )
        .await;
    assert_eq!(csv[0], 200);
    assert_eq!(csv[1], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv[2].as_str().unwrap().lines().collect();
    assert_eq!(lines[0], "id,title,release_date,created_at,updated_at,cast");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[1].contains(",Alpha,2001-01-01,") && lines[2].contains(",Alphaville,1965-05-05,"),
        "{lines:?}"
    );

    browser.click(&button("Sign out")).await;
    browser.wait_for_heading("Signed out").await;
    browser.goto(&format!("{}/app/movies", app.address)).await;
    browser.wait_for_heading("Sign in").await;
    let after = browser
        .run_async(
            "const done = arguments[arguments.length - 1];
             fetch('/app/movies.csv', {redirect: 'manual'}).then(r => done(r.type));",
        )
        .await;
    assert_eq!(after, "opaqueredirect", "the export now asks to sign in");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_and_moving_around_works_with_the_keyboard_alone() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/app/actors", app.address)).await;
    browser.wait_for_heading("Sign in").await;
    let mut order = Vec::new();
    for _ in 0..20 {
        browser.press(Key::Tab).await;
        let (text, tag) = browser.focused().await;
        order.push(text.clone());
        if tag == "button" && text == "Executive Producer" {
            break;
        }
    }
    assert_eq!(
        order.last().map(String::as_str),
        Some("Executive Producer"),
        "tab order: {order:?}"
    );
    let roles: Vec<&str> = order
        .iter()
        .map(String::as_str)
        .filter(|text| ROLES.contains(text))
        .collect();
    assert_eq!(roles, ROLES, "the roles in order: {order:?}");
    browser.press(Key::Enter).await;
    browser
        .wait_for_url(&format!("{}/app/actors", app.address))
        .await;
    browser.wait_for_heading("Actors").await;

    // On to the movies and their form, keys only.
    let mut reached = false;
    for _ in 0..20 {
        browser.press(Key::Tab).await;
        if browser.focused().await.0 == "Movies" {
            reached = true;
            break;
        }
    }
    assert!(reached, "the Movies link takes the focus");
    browser.press(Key::Enter).await;
    browser.wait_for_heading("Movies").await;
    let outline = browser
        .run("const a = document.querySelector('nav a[href=\"/app/actors\"]'); a.focus(); return getComputedStyle(a).outlineStyle;")
        .await;
    assert_ne!(outline, "none", "focus is visible");
    browser.close().await;
}

/// The main pages, for a producer, with data on them.
async fn main_pages(app: &LocalApp) -> Vec<String> {
    let producer = app.api_token("executive-producer").await;
    let long = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewarenwohlgepflegteundsorgfaltigkeitbeschutzen";
    let actor = create(
        app,
        &producer,
        "/actors",
        json!({"name": long, "age": 50, "gender": "male"}),
    )
    .await;
    let movie = create(
        app,
        &producer,
        "/movies",
        json!({"title": format!("A title as long as {long}"), "release_date": "1999-12-31"}),
    )
    .await;
    app.api_send(
        &producer,
        Method::PUT,
        &format!("/movies/{movie}/actors/{actor}"),
        json!({"character": long}),
    )
    .await;
    [
        "/app/movies".to_owned(),
        format!("/app/movies/{movie}"),
        format!("/app/movies/{movie}/edit"),
        format!("/app/movies/{movie}/delete"),
        "/app/movies/new".to_owned(),
        "/app/actors".to_owned(),
        format!("/app/actors/{actor}"),
        "/app/actors/new".to_owned(),
        "/app/token".to_owned(),
    ]
    .map(|path| format!("{}{path}", app.address))
    .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_page_fits_a_390_px_screen_without_sideways_scrolling() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let pages = main_pages(&app).await;
    let browser = Browser::start_phone().await;
    browser.goto(&pages[0]).await;
    browser.wait_for_heading("Sign in").await;
    let check = "return [window.innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth];";
    let widths = browser.run(check).await;
    assert!(widths[0].as_i64().unwrap() <= 390, "{widths}");
    assert!(
        widths[1].as_i64() <= widths[0].as_i64(),
        "the sign-in page scrolls sideways: {widths}"
    );
    browser.click(&button("Executive Producer")).await;
    browser.wait_for_url(&pages[0]).await;
    for page in &pages {
        browser.goto(page).await;
        browser.find("//h1").await;
        let widths = browser.run(check).await;
        assert!(
            widths[1].as_i64() <= widths[0].as_i64() && widths[2].as_i64() <= widths[0].as_i64(),
            "{page} scrolls sideways: {widths}"
        );
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_leaves_the_origin() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let pages = main_pages(&app).await;
    let browser = Browser::start().await;
    browser
        .sign_in_locally(&pages[0], "Executive Producer")
        .await;
    let list = "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => e.name);";
    let mut seen = 0;
    for page in &pages {
        browser.goto(page).await;
        browser.find("//h1").await;
        let loaded = browser.run("return typeof htmx;").await;
        assert_eq!(loaded, "object", "htmx is loaded on {page}");
        let names = browser.run(list).await;
        for name in names.as_array().unwrap() {
            let name = name.as_str().unwrap();
            assert!(
                name.starts_with(&format!("{}/", app.address)),
                "{page} fetched {name}"
            );
            seen += 1;
        }
    }
    assert!(
        seen >= pages.len() * 4,
        "the pages and their assets were seen: {seen}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_through_an_external_openid_provider_as_for_auth0() {
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    // Access tokens that need renewing within seconds: the refresh token is used.
    let provider = OidcProvider::start(&origin, Duration::from_secs(32)).await;
    let app = spawn_for(&provider, Backend::Sqlite, port, |_| {}).await;
    let browser = Browser::start().await;
    browser.goto(&format!("{origin}/app/movies")).await;
    browser
        .wait_for_heading("Sign in to the OpenID test provider")
        .await;
    assert!(browser.url().await.starts_with(&provider.issuer));
    browser.fill("Username", "producer").await;
    browser.fill("Password", "any password").await;
    browser.click(&button("Sign in")).await;
    browser.click(&button("Continue")).await;
    browser.wait_for_url(&format!("{origin}/app/movies")).await;
    assert_eq!(browser.text("//*[@class='who-name']").await, "Pat Producer");
    assert_eq!(
        browser.text("//*[@class='who-role']").await,
        "Executive Producer"
    );

    browser.click(&link("New movie")).await;
    browser.fill("Title", "Signed In Elsewhere").await;
    browser
        .run("document.getElementById('release_date').value = '2020-10-10'")
        .await;
    browser.click(&button("Save")).await;
    browser.wait_for_heading("Signed In Elsewhere").await;

    browser.click(&link("API token")).await;
    let first = browser.text("//textarea").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    browser.goto(&format!("{origin}/app/token")).await;
    browser.wait_for_heading("API token").await;
    let renewed = browser.text("//textarea").await;
    assert_ne!(
        first, renewed,
        "the access token was renewed with the refresh token"
    );
    let reply = app
        .client
        .get(format!("{origin}/movies"))
        .bearer_auth(&renewed)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    browser.click(&button("Sign out")).await;
    browser
        .wait_for_url(&format!("{origin}/app/signed-out"))
        .await;
    browser.wait_for_heading("Signed out").await;
    browser.goto(&format!("{origin}/app/movies")).await;
    browser
        .wait_for_heading("Sign in to the OpenID test provider")
        .await;
    browser.close().await;
}

/// Writes the README's screenshots of the main pages to `docs/screenshots/`. Not a check, so it
/// is run on purpose: `cargo test --test api web::screenshots -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes the README's screenshots; run it with --ignored"]
async fn screenshots_of_the_main_pages_for_the_readme() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&directory).unwrap();
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let producer = app.api_token("executive-producer").await;
    let people = [
        ("Zoë Saldaña", 46, "female"),
        ("Sam Worthington", 48, "male"),
        ("Sigourney Weaver", 75, "female"),
        ("Stephen Lang", 72, "male"),
        ("Michelle Rodriguez", 46, "female"),
        ("Giovanni Ribisi", 50, "male"),
    ];
    let mut actors = Vec::new();
    for (name, age, gender) in people {
        actors.push(
            create(
                &app,
                &producer,
                "/actors",
                json!({"name": name, "age": age, "gender": gender}),
            )
            .await,
        );
    }
    let titles = [
        ("Avatar", "2009-12-18"),
        ("Avatar: The Way of Water", "2022-12-16"),
        ("Alien", "1979-05-25"),
        ("Galaxy Quest", "1999-12-25"),
        ("Gorillas in the Mist", "1988-09-23"),
        ("Don't Breathe", "2016-08-26"),
    ];
    let mut movies = Vec::new();
    for (title, date) in titles {
        movies.push(
            create(
                &app,
                &producer,
                "/movies",
                json!({"title": title, "release_date": date}),
            )
            .await,
        );
    }
    for (actor, character) in actors.iter().zip([
        "Neytiri",
        "Jake Sully",
        "Dr. Grace Augustine",
        "Colonel Miles Quaritch",
        "Trudy Chacón",
        "Parker Selfridge",
    ]) {
        app.api_send(
            &producer,
            Method::PUT,
            &format!("/movies/{}/actors/{actor}", movies[0]),
            json!({"character": character}),
        )
        .await;
    }
    let browser = Browser::start().await;
    browser.client.set_window_size(1200, 860).await.unwrap();
    let shoot = |name: &'static str| {
        let directory = directory.clone();
        let browser = &browser;
        async move {
            std::fs::write(
                directory.join(format!("{name}.png")),
                browser.screenshot().await,
            )
            .unwrap();
        }
    };
    browser.goto(&format!("{}/app/movies", app.address)).await;
    browser.wait_for_heading("Sign in").await;
    shoot("sign-in").await;
    browser.click(&button("Executive Producer")).await;
    browser.wait_for_heading("Movies").await;
    shoot("movies").await;
    browser
        .goto(&format!(
            "{}/app/movies/{}?actor_q=s",
            app.address, movies[0]
        ))
        .await;
    browser.wait_for_heading("Avatar").await;
    shoot("movie").await;
    browser
        .goto(&format!("{}/app/actors/new", app.address))
        .await;
    browser.fill("Name", "Kate Winslet").await;
    browser.fill("Age", "200").await;
    browser.fill("Gender", "female").await;
    browser.click(&button("Save")).await;
    browser.find("//p[@id='age-error']").await;
    shoot("validation").await;
    browser
        .goto(&format!("{}/app/actors/{}/edit", app.address, actors[0]))
        .await;
    browser.fill("Age", "47").await;
    app.api_send(
        &producer,
        Method::PATCH,
        &format!("/actors/{}", actors[0]),
        json!({"gender": "woman"}),
    )
    .await;
    browser.click(&button("Save")).await;
    browser.wait_for_text("changed since you opened it").await;
    shoot("conflict").await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.goto(&format!("{}/app/actors", app.address)).await;
    browser.wait_for_heading("Actors").await;
    shoot("actors-phone").await;
    browser.close().await;
}

/// Whether every text node of the page that holds `text` is isolated from what surrounds it: an
/// ancestor within its cell or line renders with `unicode-bidi: isolate` (`<bdi>`, `dir=auto`).
async fn isolated_everywhere(browser: &Browser, text: &str) -> Value {
    let script = format!(
        r#"const wanted = {text};
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const found = [];
        while (walker.nextNode()) {{
            const node = walker.currentNode;
            if (!node.data.includes(wanted)) continue;
            let isolated = false;
            for (let element = node.parentElement; element && element !== document.body; element = element.parentElement) {{
                const bidi = getComputedStyle(element).unicodeBidi;
                if (bidi === 'isolate' || bidi === 'isolate-override' || bidi === 'plaintext') {{ isolated = true; break; }}
            }}
            found.push(isolated);
        }}
        return found;"#,
        text = serde_json::to_string(text).unwrap()
    );
    browser.run(&script).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_bidi_overrides_cannot_flip_the_text_around_them() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let producer = app.api_token("executive-producer").await;
    // An override opened and never closed: unisolated, it reverses whatever follows it.
    let name = "\u{202E}Evil Twin";
    let title = "\u{2067}Mirror Movie";
    let actor = create(
        &app,
        &producer,
        "/actors",
        json!({"name": name, "age": 33, "gender": "\u{202D}male"}),
    )
    .await;
    let movie = create(
        &app,
        &producer,
        "/movies",
        json!({"title": title, "release_date": "2001-01-01"}),
    )
    .await;
    app.api_send(
        &producer,
        Method::PUT,
        &format!("/movies/{movie}/actors/{actor}"),
        json!({"character": "\u{202B}Villain"}),
    )
    .await;

    let browser = Browser::start().await;
    browser
        .sign_in_locally(&format!("{}/app/actors", app.address), "Executive Producer")
        .await;
    let pages = [
        ("/app/actors", vec!["Evil Twin", "male"]),
        ("/app/movies", vec!["Mirror Movie"]),
        (
            &*format!("/app/actors/{actor}"),
            vec!["Evil Twin", "Mirror Movie", "Villain"],
        ),
        (
            &*format!("/app/movies/{movie}"),
            vec!["Evil Twin", "Mirror Movie", "Villain"],
        ),
        (&*format!("/app/actors/{actor}/delete"), vec!["Evil Twin"]),
    ];
    for (path, texts) in pages {
        browser.goto(&format!("{}{path}", app.address)).await;
        browser.find("//h1").await;
        for text in texts {
            let found = isolated_everywhere(&browser, text).await;
            let found = found.as_array().expect("a list");
            assert!(!found.is_empty(), "{text:?} is on {path}");
            assert!(
                found.iter().all(|isolated| *isolated == json!(true)),
                "{text:?} is isolated everywhere on {path}: {found:?}"
            );
        }
    }

    // As rendered: the question mark after the name stays to its right.
    browser
        .goto(&format!("{}/app/actors/{actor}/delete", app.address))
        .await;
    let order = browser
        .run(
            r#"const h1 = document.querySelector('h1');
            const walker = document.createTreeWalker(h1, NodeFilter.SHOW_TEXT);
            let name = null, mark = null;
            while (walker.nextNode()) {
                const node = walker.currentNode;
                if (node.data.includes('Evil Twin')) name = node;
                if (node.data.endsWith('?')) mark = node;
            }
            const of = (node, start, end) => { const range = document.createRange(); range.setStart(node, start); range.setEnd(node, end); return range.getBoundingClientRect(); };
            return [of(name, 0, name.length).right, of(mark, mark.length - 1, mark.length).left];"#,
        )
        .await;
    let (name_right, mark_left) = (order[0].as_f64().unwrap(), order[1].as_f64().unwrap());
    assert!(
        mark_left >= name_right - 1.0,
        "the name ends at {name_right}, the ? starts at {mark_left}"
    );
    browser.close().await;
}
