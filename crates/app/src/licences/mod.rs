//! 电子证照 (ADR 0020): a granted case of a matter that issues a licence gets its e-licence in the same
//! transaction (`issue_for`, called by `cases::act`); holders see theirs; anyone verifies one by its
//! identifier or its document; the issuing department suspends, reinstates, revokes or cancels one, with a
//! reason, in the licence's history and the audit log.

pub mod pdf;
pub mod registry;
pub mod seal;

use crate::error::{AppError, AppResult};
use onetrip_domain::licence::{check_types, LicenceType};

/// The licence types Onetrip ships (`data/licences/types.json`), checked.
pub fn shipped_types() -> AppResult<Vec<LicenceType>> {
    #[derive(serde::Deserialize)]
    struct File {
        types: Vec<LicenceType>,
    }
    let file: File = serde_json::from_str(include_str!("../../../../data/licences/types.json"))
        .map_err(|error| AppError::Internal(format!("data/licences/types.json: {error}")))?;
    check_types(&file.types).map_err(AppError::Internal)?;
    Ok(file.types)
}
