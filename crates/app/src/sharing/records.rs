//! Onetrip's own case records as sources: another matter's result (`result:<matter code>`, grade A), and a
//! material a window checked against its original (grade B), which the same applicant's later applications
//! reuse while it is valid instead of uploading it again.

use super::source::{Answer, DataSource, SharedMaterial, SourceFault, SourceRequest, TrustGrade};
use crate::app::App;
use chrono::Duration;
use onetrip_domain::acceptance::Supplied;
use onetrip_domain::actor::Channel;
use onetrip_domain::case::{Case, Phase};
use std::future::Future;
use std::pin::Pin;

/// How long a material checked at a window may be reused: half a year from the acceptance that checked
/// it (the catalog says nothing of a material's own validity).
pub const CHECKED_VALID_DAYS: i64 = 183;

/// The code of the checked-materials source, in consents and the exchange log.
pub const CHECKED: &str = "checked";

/// Another matter's result as a source: the holder's newest case of that matter that was granted (a
/// decision of a government body, grade A), with its number and date, so that a decision Onetrip holds is
/// never asked for on paper.
pub struct ResultSource {
    app: App,
    matter_code: String,
}

impl ResultSource {
    pub fn new(app: &App, matter_code: &str) -> Self {
        Self { app: app.clone(), matter_code: matter_code.to_string() }
    }

    async fn find(&self, request: &SourceRequest) -> Answer {
        let unavailable = |error: onetrip_store::StoreError| SourceFault::Unavailable(error.to_string());
        let Some(holder) = self.app.store.applicant_by_identity(&request.holder).await.map_err(unavailable)? else {
            return Ok(None);
        };
        let cases = self.app.store.cases_of_applicant(holder.id, 500).await.map_err(unavailable)?;
        let granted = |case: &Case| {
            let outcome = case.document.review.as_ref().and_then(|review| review.outcome.as_ref());
            case.phase == Phase::Granted
                || (case.phase == Phase::Delivered && matches!(outcome, Some(onetrip_domain::review::Outcome::Granted)))
        };
        let found = cases.into_iter().find(|case| case.matter_code == self.matter_code && granted(case));
        Ok(found.map(|case| {
            let name = self.app.catalog().matter_name(&case.matter_code);
            SharedMaterial {
                grade: TrustGrade::A,
                title: format!("{name}准予决定（办件 {}）", case.number),
                fields: vec![
                    ("办件编号".to_string(), case.number.to_string()),
                    ("事项".to_string(), name),
                    ("办理结果".to_string(), "准予".to_string()),
                    ("办结日期".to_string(), self.app.local(case.updated_at).format("%Y-%m-%d").to_string()),
                ],
                valid_until: None,
            }
        }))
    }
}

impl DataSource for ResultSource {
    fn code(&self) -> String {
        format!("result:{}", self.matter_code)
    }

    fn fetch<'a>(&'a self, request: &'a SourceRequest) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(self.find(request))
    }
}

/// Materials a window checked against the original: the holder's newest case registered at a window and
/// accepted within [`CHECKED_VALID_DAYS`] that lists a material of the same name as supplied. Cases
/// applied for online or sent by a department's system do not count: nobody at a window saw the original.
pub struct CheckedSource {
    app: App,
}

impl CheckedSource {
    pub fn new(app: &App) -> Self {
        Self { app: app.clone() }
    }

    async fn find(&self, request: &SourceRequest) -> Answer {
        let unavailable = |error: onetrip_store::StoreError| SourceFault::Unavailable(error.to_string());
        let Some(holder) = self.app.store.applicant_by_identity(&request.holder).await.map_err(unavailable)? else {
            return Ok(None);
        };
        let now = self.app.now();
        let cases = self.app.store.cases_of_applicant(holder.id, 500).await.map_err(unavailable)?;
        for case in cases {
            let Some(accepted_at) = case.accepted_at else { continue };
            let valid_until = accepted_at + Duration::days(CHECKED_VALID_DAYS);
            if case.channel != Channel::Window || case.phase == Phase::RefusedToAccept || valid_until < now {
                continue;
            }
            let Ok(version) = self.app.matter_version(&case.matter_code, case.matter_version).await else { continue };
            let index = version.matter.materials.iter().position(|material| material.name == request.material);
            let record = index.and_then(|index| case.document.materials.get(index));
            if record.is_some_and(|record| record.supplied == Supplied::Provided && record.shared.is_none()) {
                let checked_on = self.app.local(accepted_at).format("%Y-%m-%d").to_string();
                let until = self.app.local(valid_until).date_naive();
                return Ok(Some(SharedMaterial {
                    grade: TrustGrade::B,
                    title: format!("{}（窗口已核验原件，办件 {}）", request.material, case.number),
                    fields: vec![
                        ("核验办件".to_string(), case.number.to_string()),
                        ("核验日期".to_string(), checked_on),
                        ("可复用至".to_string(), until.format("%Y-%m-%d").to_string()),
                    ],
                    valid_until: Some(until),
                }));
            }
        }
        Ok(None)
    }
}

impl DataSource for CheckedSource {
    fn code(&self) -> String {
        CHECKED.to_string()
    }

    fn fetch<'a>(&'a self, request: &'a SourceRequest) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(self.find(request))
    }
}
