//! The boundary itself: what is asked of a data source, what it answers, and how it fails (ADR 0022). No
//! source here: `mod.rs` has the licence register's, `onetrip-exchange` the departmental systems'.

use onetrip_domain::applicant::ApplicantIdentity;
use std::future::Future;
use std::pin::Pin;

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
    /// The source's code in the catalog (`licence:<type>`, `external:<code>`, `result:<matter>`).
    fn code(&self) -> String;

    fn fetch<'a>(&'a self, request: &'a SourceRequest) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;
}
