//! The OpenAPI 3.1 document, assembled from the handlers' annotations so that it cannot drift
//! from the router, and the Swagger UI page that reads it (its assets are compiled in).

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "movie-manager",
        description = "A casting agency's system of record for actors, movies and who is cast in what. \
            Every endpoint but the probes needs `Authorization: Bearer <access token>` whose `permissions` \
            claim holds the permission named in its security requirement. Every error is \
            `{\"success\": false, \"error\": status, \"code\": ..., \"message\": ...}`; \
            any request may also answer 404 (no such route), 405 (with `Allow`), 408 or 500 in that shape."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth, &DocsPaths),
    tags(
        (name = "actors", description = "Actors and the movies they are cast in."),
        (name = "movies", description = "Movies and their casts."),
        (name = "castings", description = "Who is cast in what."),
        (name = "roles", description = "Each movie's breakdown: the roles to cast."),
        (name = "candidates", description = "The pipeline: the actors considered for each role, from submitted to booked."),
        (name = "photos", description = "Performers' photos: uploaded once, served in renditions by content-addressed URLs, never public."),
        (name = "sessions", description = "Audition and callback sessions: slots booked with candidates, checked in at the door, exported to calendars."),
        (name = "presentations", description = "Links that show some of a role's candidates to producers, who answer without signing in."),
        (name = "health", description = "Probes and the front door."),
        (name = "docs", description = "This document, and the page to read and try it."),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// What the routes' annotations cannot say, applied once the routes have added their paths.
/// utoipa writes an optional header's schema as nullable, but a header is absent or a string; and
/// it marks a body optional only when its type is an `Option`, which would also make `null` a
/// valid body, where these bodies are an object or nothing.
pub fn finish(openapi: &mut OpenApiDocument) {
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let headers = operation
                .parameters
                .iter_mut()
                .flatten()
                .filter(|parameter| parameter.parameter_in == ParameterIn::Header);
            for header in headers {
                if let Some(RefOr::T(Schema::Object(schema))) = &mut header.schema {
                    schema.schema_type = SchemaType::Type(Type::String);
                }
            }
        }
    }
    for path in OPTIONAL_BODIES {
        let body = openapi
            .paths
            .paths
            .get_mut(path)
            .and_then(|item| item.put.as_mut())
            .and_then(|operation| operation.request_body.as_mut());
        if let Some(body) = body {
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

/// The PUTs whose body is an object or nothing (see [`finish`]).
const OPTIONAL_BODIES: [&str; 2] = [
    "/movies/{id}/actors/{actor_id}",
    "/roles/{id}/candidates/{actor_id}",
];

/// The two paths [`swagger_ui`] serves, which have no annotated handler of their own.
struct DocsPaths;

impl Modify for DocsPaths {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let get = |summary: &str, status: &str, description: &str| {
            OperationBuilder::new()
                .summary(Some(summary))
                .tag("docs")
                .response(status, ResponseBuilder::new().description(description))
                .build()
        };
        openapi.paths.add_path_operation(
            "/openapi.json",
            vec![HttpMethod::Get],
            get(
                "The OpenAPI 3.1 document of this API.",
                "200",
                "The document, as JSON.",
            ),
        );
        openapi.paths.add_path_operation(
            "/docs",
            vec![HttpMethod::Get],
            get(
                "A page to read and try the API, served offline from the binary.",
                "303",
                "To the page itself, `/docs/`.",
            ),
        );
    }
}

/// `/docs`: Swagger UI over `/openapi.json`. Its online validator is off: it would make the page
/// load a badge from validator.swagger.io, sending it the document's URL. Its answers are never
/// sniffed as another type, and its page is never framed by another site.
pub fn swagger_ui<S: Clone + Send + Sync + 'static>(openapi: OpenApiDocument) -> Router<S> {
    let ui = SwaggerUi::new("/docs")
        .url("/openapi.json", openapi)
        .config(Config::default().validator_url("none"));
    Router::from(ui)
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        ))
}
