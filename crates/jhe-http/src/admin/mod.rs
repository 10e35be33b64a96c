//! The Admin REST API under `/api/v1`. Routes have no trailing slash, bodies and query names are accepted in snake
//! and camel case, responses are camelCase, errors use Django REST framework's shapes.

mod invitations;

use actix_web::web;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    invitations::configure(cfg);
}
