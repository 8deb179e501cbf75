//! How a shared data source's code (`licence:…`, `external:…`, `result:…`) reads on a page: one wording
//! for the application, the consents and the managers' figures.

use crate::state::AppState;
use onetrip_domain::catalog::SharedFrom;

/// “电子证照：营业执照”, “部门业务系统（housing）”, “建设工程规划许可的办理结果”.
pub fn source_label(state: &AppState, code: &str) -> String {
    match SharedFrom::parse(code) {
        Some(SharedFrom::Licence(type_code)) => state
            .app
            .licence_types
            .iter()
            .find(|licence_type| licence_type.code == type_code)
            .map(|licence_type| format!("电子证照：{}", licence_type.name))
            .unwrap_or_else(|| "电子证照".to_string()),
        Some(SharedFrom::External(system)) => format!("部门业务系统（{system}）"),
        Some(SharedFrom::Result(matter)) => format!("{}的办理结果", state.catalog().matter_name(&matter)),
        None if code == onetrip_app::sharing::records::CHECKED => "窗口核验过原件的材料".to_string(),
        None => code.to_string(),
    }
}
