//! The OpenAPI 3.1 document, assembled from the handlers' annotations so that it cannot drift
//! from the router, and the Swagger UI page that reads it (its assets are compiled in).

use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::error::ErrorBody;

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
    paths(openapi_document, docs_page),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "actors", description = "Actors and the movies they are cast in."),
        (name = "movies", description = "Movies and their casts."),
        (name = "castings", description = "Who is cast in what."),
        (name = "health", description = "Probes and the front door."),
    )
)]
pub struct ApiDoc;

// Served by [`swagger_ui`]; declared here so that the document lists every path of the API.
/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/openapi.json", tag = "health", responses((status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json")))]
#[allow(dead_code)]
fn openapi_document() {}

/// A page to read and try the API, served offline from the binary.
#[utoipa::path(get, path = "/docs", tag = "health", responses((status = 303, description = "To the docs page, `/docs/`.", headers(("Location" = String)))))]
#[allow(dead_code)]
fn docs_page() {}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// `/docs`: Swagger UI over `/openapi.json`. Its online validator is off: it would make the page
/// load a badge from validator.swagger.io, sending it the document's URL.
pub fn swagger_ui(openapi: OpenApiDocument) -> SwaggerUi {
    SwaggerUi::new("/docs")
        .url("/openapi.json", openapi)
        .config(Config::default().validator_url("none"))
}
