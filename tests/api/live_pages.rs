//! Pages that update in place, in Chromium: a role's board follows its event stream, whichever
//! instance the change was made on, says when the stream is lost and catches up when it comes
//! back, and shows what producers answered through a link made on it. None of these reloads the
//! page: each test marks the page's window, and a reload would lose the mark.

use reqwest::Method;
use serde_json::{Value, json};

use crate::board::{Stage, add_role, stage};
use crate::helpers::Backend;
use crate::helpers::browser::{Browser, button};
use crate::helpers::web::LocalApp;

/// Waits until the element at `xpath` is in the page, for longer than [`Browser::find`].
async fn wait_for(browser: &Browser, xpath: &str) {
    let script = format!(
        "document.evaluate({xpath:?}, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue !== null"
    );
    browser
        .wait_until(&script, &format!("{xpath} appearing"))
        .await;
}

/// Marks the page's window: a page loaded again has lost the mark.
async fn mark(browser: &Browser) {
    browser.run("window.notReloaded = true; return true;").await;
}

async fn assert_not_reloaded(browser: &Browser) {
    assert_eq!(
        browser.run("return window.notReloaded === true;").await,
        json!(true),
        "the page was loaded again instead of updated in place"
    );
}

/// The status cell of a candidate's row reading `status`.
fn status_of(actor: i64, status: &str) -> String {
    format!("//tr[@id='candidate-{actor}']/td[@class='status' and normalize-space()='{status}']")
}

/// Moves `actor` to `status` through the API of `app`, as another program would.
async fn move_through_api(app: &LocalApp, stage: &Stage, role: i64, actor: i64, status: &str) {
    app.api_send(
        &stage.token,
        Method::POST,
        &format!("/roles/{role}/candidates/bulk"),
        json!({"actor_ids": [actor], "status": status}),
    )
    .await;
}

/// How many changes the page's history lists.
async fn history_length(browser: &Browser) -> Value {
    browser
        .run("return document.querySelectorAll('#history ol.history > li').length;")
        .await
}

/// The port an app listens on.
fn port_of(address: &str) -> u16 {
    address
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("an address with a port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_moved_by_one_director_moves_on_another_directors_board_and_what_they_were_doing_stays()
 {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let stage = stage(&app).await;
    let role = add_role(
        &app,
        &stage,
        json!({"name": "Lead"}),
        &[stage.ada, stage.grace],
        "submitted",
    )
    .await;
    let board = format!("{}/app/roles/{role}", app.address);
    let (mover, watcher) = tokio::join!(Browser::start(), Browser::start());
    mover.sign_in_locally(&board, "Casting Director").await;
    watcher.sign_in_locally(&board, "Casting Director").await;
    watcher.wait_until_live().await;
    mark(&watcher).await;
    let changes = history_length(&watcher).await;
    // The watcher is in the middle of making a link: a box ticked, a title half typed.
    watcher
        .click(&format!("//input[@id='select-{}']", stage.grace))
        .await;
    watcher
        .fill("Link title (optional)", "Shortlist for Fri")
        .await;

    mover.choose("Move Ada Lovelace to", "Shortlisted").await;
    mover
        .click(&format!(
            "//tr[@id='candidate-{}']//button[normalize-space()='Move']",
            stage.ada
        ))
        .await;
    wait_for(&mover, &status_of(stage.ada, "Shortlisted")).await;

    wait_for(&watcher, &status_of(stage.ada, "Shortlisted")).await;
    watcher.wait_for_text("Shortlisted (1)").await;
    assert_not_reloaded(&watcher).await;
    watcher
        .wait_until(
            &format!("document.querySelectorAll('#history ol.history > li').length > {changes}"),
            "the history listing the move",
        )
        .await;
    // They come back once the swap has settled (htmx puts attributes back first).
    watcher
        .wait_until(
            &format!(
                "document.getElementById('select-{}').checked && \
             document.getElementById('present-title').value === 'Shortlist for Fri' && \
             document.activeElement.id === 'present-title'",
                stage.grace
            ),
            "the tick, the typing and the focus surviving the update",
        )
        .await;
    mover.close().await;
    watcher.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_served_by_one_instance_shows_a_move_made_through_another() {
    let app = LocalApp::spawn(Backend::Postgres).await;
    let beside = app.spawn_beside().await;
    let stage = stage(&app).await;
    let role = add_role(
        &app,
        &stage,
        json!({"name": "Lead"}),
        &[stage.ada, stage.grace],
        "submitted",
    )
    .await;
    let browser = Browser::start().await;
    // Signed in through the first instance: the session is in the database both share.
    browser
        .sign_in_locally(
            &format!("{}/app/roles/{role}", app.address),
            "Casting Director",
        )
        .await;
    browser
        .goto(&format!("{}/app/roles/{role}", beside.address))
        .await;
    browser.wait_for_heading("Lead").await;
    browser.wait_until_live().await;
    mark(&browser).await;

    move_through_api(&app, &stage, role, stage.ada, "callback").await;
    wait_for(&browser, &status_of(stage.ada, "Callback")).await;
    browser.wait_for_text("Callback (1)").await;
    assert_not_reloaded(&browser).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_says_when_its_live_updates_are_lost_and_catches_up_when_they_return() {
    let app = LocalApp::spawn(Backend::Postgres).await;
    let beside = app.spawn_beside().await;
    let port = port_of(&beside.address);
    let stage = stage(&app).await;
    let role = add_role(
        &app,
        &stage,
        json!({"name": "Lead"}),
        &[stage.ada, stage.grace],
        "submitted",
    )
    .await;
    let browser = Browser::start().await;
    browser
        .sign_in_locally(
            &format!("{}/app/roles/{role}", app.address),
            "Casting Director",
        )
        .await;
    browser
        .goto(&format!("{}/app/roles/{role}", beside.address))
        .await;
    browser.wait_until_live().await;
    mark(&browser).await;
    let status = "document.querySelector('[data-live-status]')";
    assert_eq!(
        browser.run(&format!("return {status}.hidden;")).await,
        json!(true),
        "nothing to say while the stream is open"
    );

    // The instance the page streams from goes away; the change is made meanwhile, elsewhere.
    beside.stop().await.expect("the instance stops");
    browser
        .wait_until(&format!("!{status}.hidden"), "the page saying so")
        .await;
    browser
        .wait_for_text("Live updates lost. Reconnecting…")
        .await;
    move_through_api(&app, &stage, role, stage.ada, "callback").await;
    assert!(
        browser.has(&status_of(stage.ada, "Submitted")).await,
        "nothing can arrive while the stream is lost"
    );

    // An instance comes back where the page looks for it.
    let again = app
        .spawn_beside_with(|settings| settings.http.port = port)
        .await;
    wait_for(&browser, &status_of(stage.ada, "Callback")).await;
    browser
        .wait_until(&format!("{status}.hidden"), "the message going")
        .await;
    browser.wait_for_text("Callback (1)").await;
    assert_not_reloaded(&browser).await;
    browser.close().await;
    drop(again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_director_presents_candidates_and_a_producers_answer_appears_on_the_board() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let stage = stage(&app).await;
    let role = add_role(
        &app,
        &stage,
        json!({"name": "The Countess"}),
        &[stage.ada, stage.grace, stage.alan],
        "shortlisted",
    )
    .await;
    let board = format!("{}/app/roles/{role}", app.address);
    let director = Browser::start().await;
    director.sign_in_locally(&board, "Casting Director").await;
    director.wait_until_live().await;

    for actor in [stage.ada, stage.grace] {
        director
            .click(&format!("//input[@id='select-{actor}']"))
            .await;
    }
    director.fill("Link title (optional)", "Our picks").await;
    director.fill("Expires in days", "3").await;
    director.click(&button("Make a link")).await;
    wait_for(&director, "//input[@id='made-link']").await;
    let url = director
        .run("return document.getElementById('made-link').value;")
        .await
        .as_str()
        .expect("the link")
        .to_owned();
    assert!(url.starts_with(&format!("{}/share/", app.address)), "{url}");
    director
        .wait_until(
            "document.activeElement.id === 'made-link'",
            "the new link taking the focus",
        )
        .await;
    director
        .click("//button[@data-copy='made-link' and not(@hidden)]")
        .await;
    director
        .wait_until(
            "document.getElementById('made-link-copied').textContent !== ''",
            "Copy link saying what it did",
        )
        .await;
    wait_for(
        &director,
        "//section[@id='presentations']//td[@class='state' and normalize-space()='Open']",
    )
    .await;
    mark(&director).await;

    // A producer opens the link in a browser that never signed in, and answers.
    let producer = Browser::start().await;
    producer.goto(&url).await;
    producer.wait_for_heading("Our picks").await;
    assert!(
        !producer.has(&button("Sign out")).await,
        "no one is signed in"
    );
    assert!(!producer.has("//h2[normalize-space()='Alan Turing']").await);
    let ada = format!("//li[@id='actor-{}']", stage.ada);
    producer
        .click(&format!("{ada}//input[@name='answer' and @value='yes']"))
        .await;
    producer
        .find(&format!("//textarea[@id='comment-{}']", stage.ada))
        .await
        .send_keys("Born for it")
        .await
        .expect("a comment");
    producer
        .click(&format!("{ada}//button[normalize-space()='Send']"))
        .await;
    producer
        .wait_until(
            &format!("location.hash === '#actor-{}'", stage.ada),
            "the answer sent",
        )
        .await;

    wait_for(
        &director,
        &format!(
            "//tr[@id='candidate-{}']/td[@class='feedback' and span[contains(@class,'answer-yes') and normalize-space()='Yes'] and q[normalize-space()='Born for it']]",
            stage.ada
        ),
    )
    .await;
    assert_not_reloaded(&director).await;
    assert!(
        director.has("//input[@id='made-link']").await,
        "the new link stays while the board updates"
    );

    director
        .click("//div[contains(@class,'made')]//button[starts-with(normalize-space(),'Revoke')]")
        .await;
    wait_for(
        &director,
        "//section[@id='presentations']//td[@class='state' and normalize-space()='Withdrawn']",
    )
    .await;
    assert!(!director.has("//input[@id='made-link']").await);
    producer.goto(&url).await;
    producer.wait_for_text("withdrawn").await;
    director.close().await;
    producer.close().await;
}
