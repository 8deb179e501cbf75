//! Staff roles and what each may do. The web layer asks these functions; it never compares role names.

use serde::{Deserialize, Serialize};

/// A staff role. Applicants are not staff and have no role here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 中心管理员: users, calendar, synonyms, everything a catalog editor may do.
    Admin,
    /// 事项目录编辑: edits, imports and exports the catalog.
    CatalogEditor,
    /// 窗口人员.
    WindowStaff,
    /// 后台审查人员.
    Reviewer,
    /// 大厅管理员.
    HallManager,
    /// 部门业务系统: a department's own system, with an API key instead of a password; reads its
    /// department's events and manages its webhooks (with `reviewer`, it also acts on its steps).
    DepartmentSystem,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::CatalogEditor,
        Role::WindowStaff,
        Role::Reviewer,
        Role::HallManager,
        Role::DepartmentSystem,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::CatalogEditor => "catalog_editor",
            Self::WindowStaff => "window_staff",
            Self::Reviewer => "reviewer",
            Self::HallManager => "hall_manager",
            Self::DepartmentSystem => "department_system",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "中心管理员",
            Self::CatalogEditor => "事项目录编辑",
            Self::WindowStaff => "窗口人员",
            Self::Reviewer => "审查人员",
            Self::HallManager => "大厅管理员",
            Self::DepartmentSystem => "部门业务系统",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.code() == code.trim())
    }
}

/// Something a staff member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    EditCatalog,
    LoadCalendar,
    EditSynonyms,
    ManageUsers,
    /// Register an applicant's application and decide on acceptance (any matter: a general window).
    AcceptCases,
    /// Sign off a second correction notice on one case.
    SignOffCorrection,
    /// Work on the review tasks of one's own department.
    ReviewCases,
    /// See every case of the centre, the supervision page and the outbox; issue supervision orders and
    /// approve extensions of a case's time limit.
    Supervise,
    /// Sign in at a window and call, serve and transfer tickets there.
    ServeAtWindow,
    /// Lay out the hall (zones, windows), see it live and plan its windows.
    ManageHall,
    /// Read the event feed and manage webhook subscriptions (a department system: its department's events;
    /// an administrator: every event).
    ReadEvents,
}

impl Permission {
    pub const ALL: [Permission; 11] = [
        Permission::EditCatalog,
        Permission::LoadCalendar,
        Permission::EditSynonyms,
        Permission::ManageUsers,
        Permission::AcceptCases,
        Permission::SignOffCorrection,
        Permission::ReviewCases,
        Permission::Supervise,
        Permission::ServeAtWindow,
        Permission::ManageHall,
        Permission::ReadEvents,
    ];
}

/// Whether any of `roles` grants `permission`.
pub fn allows(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|role| match permission {
        Permission::EditCatalog => matches!(role, Role::Admin | Role::CatalogEditor),
        Permission::LoadCalendar | Permission::EditSynonyms | Permission::ManageUsers => matches!(role, Role::Admin),
        Permission::AcceptCases => matches!(role, Role::Admin | Role::WindowStaff),
        Permission::SignOffCorrection => matches!(role, Role::Admin | Role::HallManager),
        Permission::ReviewCases => matches!(role, Role::Reviewer),
        Permission::Supervise => matches!(role, Role::Admin | Role::HallManager),
        Permission::ServeAtWindow => matches!(role, Role::WindowStaff),
        Permission::ManageHall => matches!(role, Role::Admin | Role::HallManager),
        Permission::ReadEvents => matches!(role, Role::Admin | Role::DepartmentSystem),
    })
}

/// Parses a comma-separated role list such as `admin,catalog_editor`.
pub fn parse_roles(text: &str) -> Result<Vec<Role>, String> {
    let mut roles = Vec::new();
    for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        let role = Role::from_code(part).ok_or_else(|| {
            format!("没有“{part}”这个角色；可用：admin、catalog_editor、window_staff、reviewer、hall_manager、department_system")
        })?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err("请至少给一个角色".to_string());
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editors_edit_the_catalog_but_do_not_manage_users() {
        assert!(allows(&[Role::CatalogEditor], Permission::EditCatalog));
        assert!(!allows(&[Role::CatalogEditor], Permission::ManageUsers));
        assert!(!allows(&[Role::CatalogEditor], Permission::LoadCalendar));
        assert!(allows(&[Role::Admin], Permission::LoadCalendar));
        assert!(!allows(&[Role::WindowStaff, Role::Reviewer], Permission::EditCatalog));
        assert!(allows(&[Role::WindowStaff], Permission::AcceptCases));
        assert!(!allows(&[Role::Reviewer, Role::CatalogEditor], Permission::AcceptCases));
        assert!(!allows(&[Role::WindowStaff], Permission::SignOffCorrection));
        assert!(allows(&[Role::HallManager], Permission::SignOffCorrection));
        assert!(allows(&[Role::HallManager], Permission::Supervise));
        assert!(!allows(&[Role::WindowStaff, Role::Reviewer, Role::CatalogEditor], Permission::Supervise));
    }

    #[test]
    fn role_lists_parse_and_refuse_unknown_roles() {
        assert_eq!(parse_roles("admin, catalog_editor,admin"), Ok(vec![Role::Admin, Role::CatalogEditor]));
        assert!(parse_roles("root").is_err());
        assert!(parse_roles(" , ").is_err());
    }
}
