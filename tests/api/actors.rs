//! Actors: create, read, change, delete, and every bad input refused without a change.

use serde_json::json;

use crate::helpers::{Caller, backend_tests};

backend_tests! {
    async fn an_executive_producer_creates_an_actor_and_reads_it_back(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/actors", json!({"name": "Zoë 🎬", "age": 30, "gender": "female"}))
            .await;
        reply.assert_status(200);
        let id = reply.body["created"].as_i64().unwrap();
        assert_eq!(reply.body["actor"]["id"], json!(id));
        let actor = app.actor(id).await;
        assert_eq!(actor["name"], json!("Zoë 🎬"));
        assert_eq!(actor["age"], json!(30));
        assert_eq!(actor["gender"], json!("female"));
        assert_eq!(actor["movies"], json!([]));
    }
}
