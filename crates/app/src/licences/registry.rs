//! The register of e-licences: issuing with a granted case, verification, the holder's and the
//! department's lists, and status changes.

use super::pdf;
use super::seal::{self, SealFault};
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use chrono::Datelike;
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::case::Case;
use onetrip_domain::catalog::Matter;
use onetrip_domain::licence::{
    change_status, seal_payload, Licence, LicenceAction, LicenceField, LicenceId, LicenceRefusal, LicenceStatus,
    LicenceType,
};
use onetrip_store::{LicenceEvent, NewLicence, StoreError, StoredLicence};

/// The type a matter's granted cases issue, if any.
pub fn type_for_matter<'a>(app: &'a App, matter_code: &str) -> Option<&'a LicenceType> {
    app.licence_types.iter().find(|licence_type| licence_type.matters.iter().any(|code| code == matter_code))
}

/// The address that verifies a licence (the QR code on its document).
pub fn verify_url(app: &App, id: &LicenceId) -> String {
    format!("{}/licences/verify?id={id}", app.config.public_url.trim_end_matches('/'))
}

/// The licence a case issues when it is granted now, sealed, its document stored; `None` when its matter
/// issues none, or its type cannot be held by this applicant (a company's licence applied for by a
/// person: the paper result stays the way).
pub(crate) async fn issue_for(app: &App, actor: &Actor, case: &Case, matter: &Matter) -> AppResult<Option<NewLicence>> {
    let Some(licence_type) = type_for_matter(app, &case.matter_code) else {
        return Ok(None);
    };
    let Some(applicant) = app.store.applicant(case.applicant_id).await? else {
        return Ok(None);
    };
    if !licence_type.holder.admits(&applicant.identity) {
        tracing::info!(case = %case.number, licence_type = %licence_type.code, "no e-licence: the applicant cannot hold this type");
        return Ok(None);
    }
    let catalog = app.catalog();
    let Some(issuer) = catalog.departments.iter().find(|department| department.code == matter.department) else {
        return Ok(None);
    };
    let issued_on = app.today();
    // 换发: a holder who has this type in force from the same issuer gets its next version, and the one
    // in force is superseded in the same transaction (the store does it for `replaces`).
    let current = app.store.licences_of_holder(&applicant.identity).await?.into_iter().find(|stored| {
        stored.licence.type_code == licence_type.code
            && stored.licence.issuer_credit_code == issuer.credit_code.as_str()
            && stored.licence.status_on(issued_on).in_force()
    });
    let (serial, version, replaces) = match &current {
        Some(stored) => (
            stored.licence.id.serial().to_string(),
            stored.licence.id.version().saturating_add(1),
            Some(stored.licence.id.to_string()),
        ),
        None => {
            let serial = app.store.next_licence_serial(issued_on.year()).await?;
            (format!("{}{serial:07}", issued_on.year()), 1, None)
        }
    };
    let id = LicenceId::new(&licence_type.code, issuer.credit_code.as_str(), &serial, version)
        .map_err(|error| AppError::Internal(format!("licence identifier: {error}")))?;
    let mut licence = Licence {
        id,
        type_code: licence_type.code.clone(),
        name: licence_type.name.clone(),
        holder: applicant.identity.clone(),
        holder_name: applicant.name.clone(),
        issuer: issuer.code.clone(),
        issuer_name: issuer.name.clone(),
        issuer_credit_code: issuer.credit_code.as_str().to_string(),
        issued_on,
        valid_until: licence_type.validity().valid_until(issued_on),
        status: LicenceStatus::Valid,
        case_number: case.number.compact(),
        fields: vec![
            LicenceField { label: "办理事项".to_string(), value: matter.name.clone() },
            LicenceField { label: "办件编号".to_string(), value: case.number.to_string() },
        ],
        document_hash: String::new(),
        seal_key: app.seal.public_key(),
        signature: String::new(),
        replaces: replaces.clone(),
    };
    let document = pdf::render(&pdf::Face {
        licence: &licence,
        centre: &app.config.centre_name,
        verify_url: &verify_url(app, &licence.id),
    });
    licence.document_hash = seal::sm3_hex(&document);
    let document_file = app.files.put(document).await.map_err(|error| AppError::Internal(error.to_string()))?;
    licence.signature = app.seal.sign(&seal_payload(&licence));
    let event = LicenceEvent {
        at: app.now(),
        actor: actor.name.clone(),
        action: "issue".to_string(),
        from_status: None,
        to_status: LicenceStatus::Valid,
        reason: match &replaces {
            Some(old) => format!("办件 {} 准予办理，换发 {old}", case.number),
            None => format!("办件 {} 准予办理", case.number),
        },
    };
    Ok(Some(NewLicence { licence, document_file, event }))
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Genuine and in force.
    Valid,
    /// Genuine, but not in force (suspended, revoked, cancelled, replaced, expired).
    NotInForce(LicenceStatus),
    /// The seal does not hold: the register's data or document was changed, or the seal was not made by the
    /// centre.
    Tampered(String),
    /// No licence has this identifier.
    NotFound,
    /// The identifier is not one (with the reason).
    Malformed(String),
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::NotInForce(_) => "not_in_force",
            Self::Tampered(_) => "tampered",
            Self::NotFound => "not_found",
            Self::Malformed(_) => "malformed",
        }
    }

    /// The result in a sentence.
    pub fn message(&self) -> String {
        match self {
            Self::Valid => "这是本中心签发的真实电子证照，签章有效，现在有效。".to_string(),
            Self::NotInForce(status) => format!("签章有效，但这份证照现在{}，不能作为有效证照使用。", status.label()),
            Self::Tampered(reason) => format!("核验不通过：{reason}。请勿采信，并向发证机关核实。"),
            Self::NotFound => "没有查到这个证照标识，请核对后重新输入；查不到的证照不能采信。".to_string(),
            Self::Malformed(reason) => format!("这不是一个有效的证照标识：{reason}。"),
        }
    }
}

/// What anyone may see of a verified licence: no personal data beyond what the holder shows on it (a
/// person's ID number masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicLicence {
    pub id: String,
    pub name: String,
    pub holder_name: String,
    pub holder_number: String,
    pub issuer_name: String,
    pub issued_on: chrono::NaiveDate,
    pub valid_until: Option<chrono::NaiveDate>,
    pub status: LicenceStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub outcome: Outcome,
    pub licence: Option<PublicLicence>,
}

/// Checks one stored licence: its key is the centre's, its seal holds over its data and its document, and
/// its status today.
async fn check(app: &App, stored: &StoredLicence) -> AppResult<Outcome> {
    let licence = &stored.licence;
    if !app.seal_keys.iter().any(|key| key == &licence.seal_key) {
        return Ok(Outcome::Tampered("签章所用的密钥不是本中心的".to_string()));
    }
    match seal::verify(&licence.seal_key, &seal_payload(licence), &licence.signature) {
        Ok(()) => {}
        Err(SealFault::UnknownKey) => return Ok(Outcome::Tampered("签章所用的密钥无法读取".to_string())),
        Err(SealFault::Mismatch) => return Ok(Outcome::Tampered("证照数据与签章不符，登记的内容被改动过".to_string())),
    }
    let document = app.files.get(&stored.document_file).await.map_err(|error| AppError::Internal(error.to_string()))?;
    if seal::sm3_hex(&document) != licence.document_hash {
        return Ok(Outcome::Tampered("证照文件与签章不符，文件被改动过".to_string()));
    }
    let status = licence.status_on(app.today());
    Ok(if status.in_force() { Outcome::Valid } else { Outcome::NotInForce(status) })
}

fn public(app: &App, stored: &StoredLicence) -> PublicLicence {
    let licence = &stored.licence;
    PublicLicence {
        id: licence.id.to_string(),
        name: licence.name.clone(),
        holder_name: licence.holder_name.clone(),
        holder_number: licence.holder_shown(),
        issuer_name: licence.issuer_name.clone(),
        issued_on: licence.issued_on,
        valid_until: licence.valid_until,
        status: licence.status_on(app.today()),
    }
}

/// Verifies a licence by its identifier (from its QR code or typed in). Anyone may; the answer shows only
/// what [`PublicLicence`] holds.
pub async fn verify(app: &App, identifier: &str) -> AppResult<Verification> {
    let id = match LicenceId::parse(identifier) {
        Ok(id) => id,
        Err(error) => return Ok(Verification { outcome: Outcome::Malformed(error.to_string()), licence: None }),
    };
    let Some(stored) = app.store.licence(&id.to_string()).await? else {
        return Ok(Verification { outcome: Outcome::NotFound, licence: None });
    };
    let outcome = check(app, &stored).await?;
    Ok(Verification { outcome, licence: Some(public(app, &stored)) })
}

/// The largest document a verifier may upload.
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

/// Verifies a licence's document as someone received it: the file must be the very file the centre
/// sealed (its SM3 is the one signed), and the licence must verify.
pub async fn verify_document(app: &App, bytes: &[u8]) -> AppResult<Verification> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::field("document", "文件超过 2 MB，电子证照文件不会这么大，请确认选对了文件"));
    }
    let Some(identifier) = identifier_in(bytes) else {
        return Ok(Verification {
            outcome: Outcome::Malformed("文件里没有证照标识，它不是本中心签发的电子证照文件".to_string()),
            licence: None,
        });
    };
    let verification = verify(app, &identifier).await?;
    let Some(stored) = app.store.licence(&identifier).await? else {
        return Ok(verification);
    };
    if matches!(verification.outcome, Outcome::Valid | Outcome::NotInForce(_))
        && seal::sm3_hex(bytes) != stored.licence.document_hash
    {
        return Ok(Verification {
            outcome: Outcome::Tampered("这个文件与签发的证照文件不一致，被改动过".to_string()),
            licence: verification.licence,
        });
    }
    Ok(verification)
}

/// The identifier a licence document carries in its information dictionary.
fn identifier_in(bytes: &[u8]) -> Option<String> {
    let marker = b"/certificateIdentifier (";
    let start = bytes.windows(marker.len()).position(|window| window == marker)? + marker.len();
    let length = bytes[start..].iter().take(200).position(|&byte| byte == b')')?;
    String::from_utf8(bytes[start..start + length].to_vec()).ok()
}

/// The licences the signed-in applicant holds.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<Vec<StoredLicence>> {
    let holder = holder_of(app, actor).await?.ok_or(AppError::Forbidden)?;
    Ok(app.store.licences_of_holder(&holder).await?)
}

/// The identity of the signed-in applicant (`None` for staff).
async fn holder_of(app: &App, actor: &Actor) -> AppResult<Option<ApplicantIdentity>> {
    match actor.applicant_id() {
        Some(id) => Ok(app.store.applicant(id).await?.map(|applicant| applicant.identity)),
        None => Ok(None),
    }
}

/// Whether the actor may see a licence in full: its holder, or staff of its issuing department or a
/// manager.
async fn may_see(app: &App, actor: &Actor, licence: &Licence) -> AppResult<bool> {
    if actor.applicant_id().is_some() {
        return Ok(holder_of(app, actor).await?.as_ref() == Some(&licence.holder));
    }
    Ok(actor.may(Permission::Supervise) || actor.department.as_deref() == Some(licence.issuer.as_str()))
}

/// One licence in full, with its history, for its holder or its issuer's staff.
pub async fn details(app: &App, actor: &Actor, id: &str) -> AppResult<(StoredLicence, Vec<LicenceEvent>)> {
    let stored = app.store.licence(id).await?.ok_or_else(|| AppError::NotFound("这份证照".to_string()))?;
    if !may_see(app, actor, &stored.licence).await? {
        return Err(AppError::NotFound("这份证照".to_string()));
    }
    let events = app.store.licence_events(id).await?;
    Ok((stored, events))
}

/// The sealed document, for its holder or its issuer's staff.
pub async fn document(app: &App, actor: &Actor, id: &str) -> AppResult<(StoredLicence, Vec<u8>)> {
    let (stored, _) = details(app, actor, id).await?;
    let bytes = app.files.get(&stored.document_file).await.map_err(|error| AppError::Internal(error.to_string()))?;
    Ok((stored, bytes))
}

/// The newest licences, for staff who may change them (a manager sees all, a department its own).
pub async fn recent(app: &App, actor: &Actor, limit: u32) -> AppResult<Vec<StoredLicence>> {
    if actor.applicant_id().is_some() || !(actor.may(Permission::Supervise) || actor.may(Permission::ReviewCases)) {
        return Err(AppError::Forbidden);
    }
    let all = app.store.recent_licences(limit).await?;
    Ok(all
        .into_iter()
        .filter(|stored| {
            actor.may(Permission::Supervise) || actor.department.as_deref() == Some(stored.licence.issuer.as_str())
        })
        .collect())
}

/// The licences a case issued (for the case page).
pub async fn of_case(
    app: &App,
    case_number: &onetrip_domain::case_number::CaseNumber,
) -> AppResult<Vec<StoredLicence>> {
    Ok(app.store.licences_of_case(case_number).await?)
}

/// Suspends, reinstates, revokes or cancels a licence, with a reason: the issuing department's reviewers
/// or a manager. The change and its reason go into the licence's history and the audit log.
pub async fn change(
    app: &App,
    actor: &Actor,
    id: &str,
    action: &LicenceAction,
    reason: &str,
    expected_revision: Option<i64>,
) -> AppResult<StoredLicence> {
    if actor.applicant_id().is_some() || !(actor.may(Permission::Supervise) || actor.may(Permission::ReviewCases)) {
        return Err(AppError::Forbidden);
    }
    let stored = app.store.licence(id).await?.ok_or_else(|| AppError::NotFound("这份证照".to_string()))?;
    let licence = &stored.licence;
    if !(actor.may(Permission::Supervise) || actor.reviewing_department() == Some(licence.issuer.as_str())) {
        return Err(AppError::Forbidden);
    }
    let current = licence.status_on(app.today());
    let next = match change_status(current, action, reason) {
        Ok(next) => next,
        Err(LicenceRefusal::Reason(errors)) => return Err(AppError::Validation(errors)),
        Err(LicenceRefusal::NotInState(status)) => {
            return Err(AppError::conflict(
                Conflict::LicenceNotInState,
                format!("这份证照现在{}，不能{}", status.label(), action.label()),
            ))
        }
    };
    let event = LicenceEvent {
        at: app.now(),
        actor: actor.name.clone(),
        action: action.code().to_string(),
        from_status: Some(licence.status),
        to_status: next,
        reason: reason.trim().to_string(),
    };
    let revision = expected_revision.unwrap_or(stored.revision);
    let changed = match app.store.change_licence_status(id, revision, &event).await {
        Ok(changed) => changed,
        Err(StoreError::RevisionChanged(message)) => {
            return Err(AppError::conflict(Conflict::RevisionChanged, message))
        }
        Err(other) => return Err(other.into()),
    };
    crate::audit::record(app, actor, &format!("licence.{}", action.code()), id, reason.trim().to_string()).await?;
    Ok(changed)
}

/// A holder as the register names them (for the tests and the CLI).
pub async fn of_holder(app: &App, holder: &ApplicantIdentity) -> AppResult<Vec<StoredLicence>> {
    Ok(app.store.licences_of_holder(holder).await?)
}
