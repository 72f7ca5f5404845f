//! `Accept: text/csv` on the lists: every matching row, streamed, with a header row.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Caller, TestApp, backend_tests};

/// The CSV answer of `path` for an assistant: its status, content type and rows.
pub async fn csv(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(app.token(Caller::CastingAssistant).unwrap())
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

backend_tests! {
    async fn the_actors_csv_holds_every_actor_the_filters_keep_with_a_header_row(app) {
        let ada = app.create_actor("Ada, the \"First\"", 36, "female").await;
        app.create_actor("Bob", 50, "male").await;
        let grace = app.create_actor("Adam", 30, "male").await;
        let movie = app.create_movie("Analytical", "1843-01-01").await;
        app.cast(movie, ada, "Countess").await;

        let (status, content_type, body) = csv(&app, "/actors?q=ada&sort=name").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(content_type, "text/csv; charset=utf-8");
        let lines: Vec<&str> = body.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "id,name,age,gender,playing_age_min,playing_age_max,height_cm,skills,languages,unions,\
             agent_agency,agent_name,agent_email,agent_phone,notes,created_at,updated_at,movies"
        );
        assert_eq!(lines.len(), 4, "a header, two rows and the final line break: {body:?}");
        assert!(lines[1].starts_with(&format!("{ada},\"Ada, the \"\"First\"\"\",36,female,")), "{}", lines[1]);
        assert!(lines[1].ends_with(",Analytical (1843-01-01) as Countess"), "{}", lines[1]);
        assert!(lines[2].starts_with(&format!("{grace},Adam,30,male,")), "{}", lines[2]);
        assert_eq!(lines[3], "");
    }

    async fn the_movies_csv_lists_each_cast_in_one_column(app) {
        let movie = app.create_movie("=SUM(A1)", "2001-02-03").await;
        let first = app.create_actor("One", 30, "female").await;
        let second = app.create_actor("Two", 31, "male").await;
        app.cast(movie, first, "Lead").await;
        app.put(Caller::ExecutiveProducer, &format!("/movies/{movie}/actors/{second}"), json!({})).await.assert_status(200);
        let (status, _, body) = csv(&app, "/movies").await;
        assert_eq!(status, 200);
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines[0], "id,title,release_date,created_at,updated_at,cast");
        // A title a spreadsheet would run as a formula is defused.
        assert!(lines[1].starts_with(&format!("{movie},'=SUM(A1),2001-02-03,")), "{}", lines[1]);
        assert!(lines[1].ends_with(",One as Lead; Two"), "{}", lines[1]);
    }

    async fn a_cell_that_starts_with_a_quote_mark_gets_one_more_so_an_import_gives_it_back(app) {
        let quoted = app.create_actor("'Tis Himself", 40, "+male").await;
        let (status, _, body) = csv(&app, "/actors").await;
        assert_eq!(status, 200);
        let row = body.lines().nth(1).expect("a row");
        assert!(row.starts_with(&format!("{quoted},''Tis Himself,40,'+male,")), "{row}");
    }

    async fn a_csv_export_refuses_limit_and_cursor(app) {
        for path in ["/actors?limit=5", "/movies?cursor=abc", "/movies?limit=1&cursor="] {
            let response = app
                .call(Caller::CastingAssistant, Method::GET, path)
                .header("accept", "text/csv")
                .send()
                .await;
            response.assert_error(400, "bad_request");
        }
        // Without text/csv, the same query is a page of JSON.
        app.get(Caller::CastingAssistant, "/actors?limit=5").await.assert_status(200);
    }

    async fn a_large_export_walks_every_row_in_order(app) {
        let token = app.token(Caller::ExecutiveProducer).unwrap();
        let names: Vec<String> = (0..1100).map(|i| format!("Extra {i:04}")).collect();
        let client = &app.client;
        let address = &app.address;
        futures_util::future::join_all(names.chunks(100).map(|chunk| {
            let token = token.clone();
            async move {
                for name in chunk {
                    let response = client
                        .post(format!("{address}/actors"))
                        .bearer_auth(&token)
                        .json(&json!({"name": name, "age": 30, "gender": "female"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                }
            }
        }))
        .await;
        let (status, _, body) = csv(&app, "/actors?sort=-name").await;
        assert_eq!(status, 200);
        // Compressed, the stream ends as it should.
        let compressed = app
            .client
            .get(format!("{}/actors?sort=-name", app.address))
            .bearer_auth(app.token(Caller::CastingAssistant).unwrap())
            .header("accept", "text/csv")
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(compressed.headers()["content-encoding"], "gzip");
        let bytes = compressed.bytes().await.unwrap();
        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unzipped).unwrap();
        assert_eq!(unzipped, body);
        let rows: Vec<&str> = body.lines().skip(1).collect();
        assert_eq!(rows.len(), 1100, "every row, past the batches it is read in");
        let listed: Vec<&str> = rows.iter().map(|row| row.split(',').nth(1).unwrap()).collect();
        let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
        expected.reverse();
        assert_eq!(listed, expected);
    }

    async fn a_csv_export_needs_the_permission_to_read_the_list(app) {
        let response = app
            .call(Caller::Anonymous, Method::GET, "/actors")
            .header("accept", "text/csv")
            .send()
            .await;
        response.assert_error(401, "unauthorized");
    }
}
