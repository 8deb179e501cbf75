//! 我的授权: every consent the applicant gave a data source (which source, which material of which
//! application, when), and the revocation of one.

use crate::auth::PortalUser;
use crate::case_view::format_instant;
use crate::error::Error;
use crate::extract::PortalForm;
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use onetrip_app::portal;

pub struct ConsentLine {
    pub id: i64,
    pub source: String,
    pub material: String,
    pub matter: String,
    pub given_at: String,
    pub revoked_at: String,
}

#[derive(Template)]
#[template(path = "portal_consents.html")]
struct ConsentsPage {
    layout: Layout,
    csrf_token: String,
    consents: Vec<ConsentLine>,
}

/// `GET /portal/consents`
pub async fn consents_page(State(state): State<AppState>, user: PortalUser) -> Result<Response, Error> {
    let catalog = state.catalog();
    let consents = portal::consents(&state.app, &user.actor)
        .await?
        .into_iter()
        .map(|consent| ConsentLine {
            id: consent.id,
            source: crate::source_view::source_label(&state, &consent.source),
            material: consent.material,
            matter: catalog.matter_name(&consent.matter_code),
            given_at: format_instant(&state, consent.given_at),
            revoked_at: consent.revoked_at.map(|at| format_instant(&state, at)).unwrap_or_default(),
        })
        .collect();
    render(&ConsentsPage { layout: Layout::portal(&state, &user), csrf_token: user.csrf_token.clone(), consents })
}

/// `POST /portal/consents/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PortalForm(user, _): PortalForm,
) -> Result<Response, Error> {
    portal::revoke_consent(&state.app, &user.actor, id).await?;
    Ok(see_other("/portal/consents"))
}
