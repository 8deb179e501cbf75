//! 帮办代办: a window starts an online application with the applicant beside it (or on the phone), fills
//! it in in the applicant's name, and hands it to the applicant's portal account, where the applicant
//! checks it and submits it themselves. The case then records that it was assisted (channel
//! `assisted`): it counts as online in the figures and is shown apart. This goes at the report's cause of
//! a low online rate ("办事人员不清楚网上业务办理").
//!
//! The window fills the application through the portal's own use cases, acting for the applicant only on
//! a draft it started and has not yet handed over, so that an assisted application is held to exactly
//! the rules of one the applicant fills alone.

use crate::app::App;
use crate::cases::applicant_for;
use crate::error::{AppError, AppResult, Conflict};
use crate::portal::{self, Assisted, DraftDocument, MaterialAnswer, NextPage, OpenDraft};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::applicant::{validate_contact, ApplicantIdentity};
use onetrip_domain::FieldErrors;
use onetrip_store::NewApplicant;

/// Who is helped and with what, as the window types it.
pub struct AssistStart<'a> {
    pub kind: &'a str,
    pub id_number: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub matter_code: &'a str,
}

fn window(actor: &Actor) -> AppResult<()> {
    if actor.may(Permission::AcceptCases) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Starts the application in the applicant's name (registering them, as a window does, if they are new);
/// returns the draft's id.
pub async fn start(app: &App, staff: &Actor, form: &AssistStart<'_>) -> AppResult<String> {
    window(staff)?;
    let mut errors = FieldErrors::default();
    let identity = match ApplicantIdentity::parse(form.kind.trim(), form.id_number) {
        Ok(identity) => Some(identity),
        Err(found) => {
            errors.merge_prefixed("", found);
            None
        }
    };
    if let Err(found) = validate_contact(form.name, form.phone) {
        errors.merge_prefixed("", found);
    }
    let catalog = app.catalog();
    match catalog.active_version(form.matter_code.trim()) {
        None => errors.add("matter_code", "没有这个现行事项，请核对事项编码"),
        Some(version) if !portal::online_allowed(version) => {
            errors.add("matter_code", "这个事项不能网上申请，请直接在窗口登记")
        }
        Some(version) if !staff.registers_for(&version.matter.department) => errors.add(
            "matter_code",
            format!(
                "这个事项由{}办理，请到综合窗口或该部门窗口帮办",
                catalog.department_name(&version.matter.department)
            ),
        ),
        Some(_) => {}
    }
    let Some(identity) = identity else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result()?;
    let new = NewApplicant {
        identity,
        name: form.name.trim().to_string(),
        phone: form.phone.trim().to_string(),
        password_hash: None,
    };
    let applicant = applicant_for(app, &new).await?;
    let mut applicant_for_draft = applicant.clone();
    applicant_for_draft.phone = new.phone.clone();
    let id = portal::start(app, &applicant_for_draft, form.matter_code.trim()).await?;
    let as_applicant = Actor::applicant(applicant.id, &applicant.name);
    let OpenDraft { draft, mut document, .. } = portal::open(app, &as_applicant, &id).await?;
    document.assisted = Some(Assisted {
        username: staff.username().unwrap_or_default().to_string(),
        name: staff.name.clone(),
        at: app.now(),
        handed_over: false,
    });
    portal::save(app, &draft, &document).await?;
    crate::audit::record(app, staff, "assist.start", &id, form.matter_code.trim().to_string()).await?;
    Ok(id)
}

/// An assisted draft as the window that started it may see and fill it: open, and not yet handed over.
pub struct AssistedDraft {
    pub open: OpenDraft,
    /// The applicant, whom the window acts for while it fills the application in.
    pub applicant: Actor,
}

/// Opens a draft the member of staff started and still holds.
pub async fn open(app: &App, staff: &Actor, id: &str) -> AppResult<AssistedDraft> {
    window(staff)?;
    let not_found = || AppError::NotFound("这份帮办申请".to_string());
    let draft = app.store.draft(id).await?.ok_or_else(not_found)?;
    let document: DraftDocument = serde_json::from_str(&draft.document).map_err(|_| not_found())?;
    let Some(assisted) = &document.assisted else {
        return Err(not_found());
    };
    if Some(assisted.username.as_str()) != staff.username() {
        return Err(not_found());
    }
    if assisted.handed_over {
        return Err(AppError::conflict(Conflict::ApplicationClosed, "这份申请已交给申请人，由申请人核对后提交"));
    }
    let applicant = app.store.applicant(draft.applicant_id).await?.ok_or_else(not_found)?;
    let actor = Actor::applicant(applicant.id, &applicant.name);
    let open = portal::open(app, &actor, id).await?;
    Ok(AssistedDraft { open, applicant: actor })
}

/// Uploads a material into the draft as the applicant would, through the same checks.
pub async fn upload(
    app: &App,
    staff: &Actor,
    id: &str,
    index: usize,
    file: Option<(String, Vec<u8>)>,
) -> AppResult<NextPage> {
    let assisted = open(app, staff, id).await?;
    portal::save_material(app, &assisted.applicant, id, index, MaterialAnswer::Upload { file, another: false }).await
}

/// Hands the application to the applicant: from now on the window cannot change it; the applicant finds it
/// under 我的办件 and submits it.
pub async fn hand_over(app: &App, staff: &Actor, id: &str) -> AppResult<()> {
    let AssistedDraft { open, .. } = open(app, staff, id).await?;
    let OpenDraft { draft, mut document, .. } = open;
    if let Some(assisted) = document.assisted.as_mut() {
        assisted.handed_over = true;
    }
    portal::save(app, &draft, &document).await?;
    crate::audit::record(app, staff, "assist.hand_over", id, draft.matter_code.clone()).await
}
