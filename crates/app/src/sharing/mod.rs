//! Shared data sources (ADR 0022): what a material's data can come from instead of an upload. A
//! [`DataSource`] answers, for one holder and one material, with the material's data and its trust grade,
//! or says it has none, or fails with a [`SourceFault`]. Onetrip's own register of e-licences is one source
//! ([`LicenceSource`]); a departmental system over HTTP is another (`onetrip-exchange`'s `HttpSource`).
//! Every request and its outcome goes into the exchange log, the holder as a digest only.

use crate::app::App;
use crate::error::AppResult;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_store::Exchange;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

/// How far a material's data can be trusted (国办函〔2016〕108号 as standards.md §7.8 reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustGrade {
    /// Issued by a government body (an e-licence, a department's own record).
    A,
    /// Checked against the original at a window, reusable while valid.
    B,
    /// Uploaded; the original still to be checked.
    C,
    /// The applicant's own statement.
    D,
}

impl TrustGrade {
    pub fn letter(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::A => "A 级：政府部门签发",
            Self::B => "B 级：窗口已核验原件",
            Self::C => "C 级：申请人上传，需核验原件",
            Self::D => "D 级：申请人自述",
        }
    }
}

/// What is asked of a source: one holder's material, for one matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRequest {
    pub holder: ApplicantIdentity,
    /// The material's name in the catalog.
    pub material: String,
    /// The matter applied for (why it is asked).
    pub purpose: String,
}

/// A material as a source supplied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedMaterial {
    pub grade: TrustGrade,
    /// What it is, as the window sees it (“营业执照（电子证照 1.2.156…）”).
    pub title: String,
    pub fields: Vec<(String, String)>,
    pub valid_until: Option<chrono::NaiveDate>,
}

/// Why a source gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFault {
    /// Not reachable, or answered with an error (with the reason).
    Unavailable(String),
    /// Answered something that is not an answer.
    Garbage(String),
    /// Did not answer in time.
    TooSlow,
    /// Answered more than a material can be.
    TooLarge,
    /// Failed so often lately that it is not asked for a while (the circuit breaker is open).
    CircuitOpen,
}

impl SourceFault {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "unavailable",
            Self::Garbage(_) => "garbage",
            Self::TooSlow => "too_slow",
            Self::TooLarge => "too_large",
            Self::CircuitOpen => "circuit_open",
        }
    }

    /// What the application says to the applicant: the source is down, upload instead.
    pub fn message(&self) -> String {
        match self {
            Self::Unavailable(reason) => format!("数据来源暂时无法访问（{reason}），请改为上传材料"),
            Self::Garbage(_) => "数据来源返回的内容无法识别，请改为上传材料".to_string(),
            Self::TooSlow => "数据来源响应超时，请改为上传材料".to_string(),
            Self::TooLarge => "数据来源返回的内容过大，已拒收，请改为上传材料".to_string(),
            Self::CircuitOpen => "数据来源近来多次出错，暂停调用，请改为上传材料".to_string(),
        }
    }
}

pub type Answer = Result<Option<SharedMaterial>, SourceFault>;

/// A place a material's data can come from.
pub trait DataSource: Send + Sync {
    /// The source's code in the catalog (`licence:<type>`, `external:<code>`).
    fn code(&self) -> String;

    fn fetch<'a>(&'a self, request: &'a SourceRequest) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;
}

/// The source a material's `shared_from` names: the licence register for `licence:…`, a departmental
/// system registered at start-up for `external:…` (none when it is not configured here).
pub fn source_for(app: &App, shared_from: &str) -> Option<std::sync::Arc<dyn DataSource>> {
    match onetrip_domain::catalog::SharedFrom::parse(shared_from)? {
        onetrip_domain::catalog::SharedFrom::Licence(type_code) => {
            Some(std::sync::Arc::new(LicenceSource::new(app, &type_code)))
        }
        onetrip_domain::catalog::SharedFrom::External(code) => app.external_source(&code),
    }
}

/// The holder as the exchange log keeps it: a digest, never the number.
pub fn holder_digest(holder: &ApplicantIdentity) -> String {
    crate::accounts::token_hash(&format!("holder|{}|{}", holder.kind(), holder.number()))
}

/// Asks `source` and logs the request and its outcome.
pub async fn fetch(app: &App, source: &dyn DataSource, request: &SourceRequest) -> AppResult<Answer> {
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
    };
    app.store.record_exchange(&exchange).await?;
    if let Err(fault) = &answer {
        tracing::info!(source = %exchange.source, fault = fault.code(), "data source gave no answer");
    }
    Ok(answer)
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
