//! Shared data sources (ADR 0022): what a material's data can come from instead of an upload. A
//! [`DataSource`] answers, for one holder and one material, with the material's data and its trust grade,
//! or says it has none, or fails with a [`SourceFault`]. Onetrip's own register of e-licences is one source
//! ([`LicenceSource`]); a departmental system over HTTP is another (`onetrip-exchange`'s `HttpSource`).
//! Every request and its outcome goes into the exchange log, the holder as a digest only.

pub mod figures;
pub mod records;
pub mod source;

pub use source::{Answer, DataSource, SharedMaterial, SourceFault, SourceRequest, TrustGrade};

use crate::app::App;
use crate::error::AppResult;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_store::Exchange;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

/// The source a material's `shared_from` names: the licence register for `licence:…`, a departmental
/// system registered at start-up for `external:…` (none when it is not configured here).
pub fn source_for(app: &App, shared_from: &str) -> Option<std::sync::Arc<dyn DataSource>> {
    match onetrip_domain::catalog::SharedFrom::parse(shared_from)? {
        onetrip_domain::catalog::SharedFrom::Licence(type_code) => {
            Some(std::sync::Arc::new(LicenceSource::new(app, &type_code)))
        }
        onetrip_domain::catalog::SharedFrom::External(code) => app.external_source(&code),
        onetrip_domain::catalog::SharedFrom::Result(code) => {
            Some(std::sync::Arc::new(records::ResultSource::new(app, &code)))
        }
    }
}

/// The holder as the exchange log keeps it: a digest, never the number.
pub fn holder_digest(holder: &ApplicantIdentity) -> String {
    crate::accounts::token_hash(&format!("holder|{}|{}", holder.kind(), holder.number()))
}

/// Asks `source` and logs the request and its outcome.
pub async fn fetch(app: &App, source: &dyn DataSource, request: &SourceRequest) -> AppResult<Answer> {
    fetch_for(app, source, request, None).await
}

/// Asks `source` for an online application (a draft's id), and logs the request with it.
pub async fn fetch_for(
    app: &App,
    source: &dyn DataSource,
    request: &SourceRequest,
    application: Option<&str>,
) -> AppResult<Answer> {
    let started = Instant::now();
    let answer = source.fetch(request).await;
    let (outcome, detail) = match &answer {
        Ok(Some(material)) => ("found".to_string(), material.title.clone()),
        Ok(None) => ("not_found".to_string(), String::new()),
        Err(fault) => (fault.code().to_string(), fault.message()),
    };
    let exchange = Exchange {
        at: app.now(),
        source: source.code(),
        holder_digest: holder_digest(&request.holder),
        material: request.material.clone(),
        purpose: request.purpose.clone(),
        outcome,
        detail,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        application: application.map(str::to_string),
    };
    app.store.record_exchange(&exchange).await?;
    if let Err(fault) = &answer {
        tracing::info!(source = %exchange.source, fault = fault.code(), "data source gave no answer");
    }
    Ok(answer)
}

/// A material taken at a window: the applicant, present, agrees that the clerk takes it from the source
/// the catalog names; the consent is recorded first (with the clerk, since there is no draft), then the
/// source is asked. `Err` says why nothing came, for the clerk to collect the paper instead.
pub async fn at_window(
    app: &App,
    actor: &onetrip_domain::actor::Actor,
    applicant: &onetrip_store::Applicant,
    version: &onetrip_domain::catalog::MatterVersion,
    index: usize,
) -> AppResult<Result<onetrip_domain::case::SharedRecord, String>> {
    let Some(material) = version.matter.materials.get(index) else {
        return Ok(Err(format!("本事项没有第 {} 项材料", index + 1)));
    };
    let Some(source) = source_for(app, &material.shared_from) else {
        return Ok(Err(format!("“{}”不能通过数据共享获取，请收取材料", material.name)));
    };
    let consent = onetrip_store::Consent {
        id: 0,
        applicant_id: applicant.id,
        source: source.code(),
        material: material.name.clone(),
        matter_code: version.matter.code.clone(),
        draft_id: format!("window:{}", actor.audit_name()),
        given_at: app.now(),
        revoked_at: None,
    };
    app.store.add_consent(&consent).await?;
    let request = SourceRequest {
        holder: applicant.identity.clone(),
        material: material.name.clone(),
        purpose: version.matter.code.clone(),
    };
    Ok(match fetch(app, source.as_ref(), &request).await? {
        Ok(Some(found)) => Ok(onetrip_domain::case::SharedRecord {
            source: source.code(),
            grade: found.grade.letter().to_string(),
            title: found.title,
            fields: found.fields,
        }),
        Ok(None) => Err(format!("没有查到申请人名下可用的“{}”，请收取材料", material.name)),
        Err(fault) => Err(format!("“{}”：{}", material.name, fault.message().replace("请改为上传材料", "请收取材料"))),
    })
}

/// Onetrip's own register of e-licences as a source: the holder's licence of one type, if one is in force
/// today (an expired, suspended or revoked licence satisfies nothing).
pub struct LicenceSource {
    app: App,
    type_code: String,
}

impl LicenceSource {
    pub fn new(app: &App, type_code: &str) -> Self {
        Self { app: app.clone(), type_code: type_code.to_string() }
    }

    async fn find(&self, request: &SourceRequest) -> Answer {
        let licences = self
            .app
            .store
            .licences_of_holder(&request.holder)
            .await
            .map_err(|error| SourceFault::Unavailable(error.to_string()))?;
        let today = self.app.today();
        let found = licences
            .into_iter()
            .find(|stored| stored.licence.type_code == self.type_code && stored.licence.status_on(today).in_force());
        Ok(found.map(|stored| {
            let licence = stored.licence;
            let mut fields = vec![
                ("持证主体".to_string(), licence.holder_name.clone()),
                ("发证机关".to_string(), licence.issuer_name.clone()),
                ("发证日期".to_string(), licence.issued_on.format("%Y-%m-%d").to_string()),
                ("证照标识".to_string(), licence.id.to_string()),
            ];
            fields.extend(licence.fields.iter().map(|field| (field.label.clone(), field.value.clone())));
            SharedMaterial {
                grade: TrustGrade::A,
                title: format!("{}（电子证照）", licence.name),
                fields,
                valid_until: licence.valid_until,
            }
        }))
    }
}

impl DataSource for LicenceSource {
    fn code(&self) -> String {
        format!("licence:{}", self.type_code)
    }

    fn fetch<'a>(&'a self, request: &'a SourceRequest) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(self.find(request))
    }
}
