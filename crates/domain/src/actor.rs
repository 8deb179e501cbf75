//! Who acts: one [`Actor`] for every rule that asks "who is doing this?" — a member of staff at a window or
//! through the API, an applicant on the portal, a kiosk, or the system itself (acceptance by law). The
//! rules read its roles and department; the edges build it from a session.

use crate::access::{allows, Permission, Role};

/// Where an action comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A member of staff on the staff pages (a window, a back office).
    Window,
    /// A departmental system or a script, with a bearer token.
    Api,
    /// An applicant on the portal.
    Online,
    /// The hall's kiosk or a visitor's phone, without logging in.
    Kiosk,
    /// The server on its own (the every-minute sweep).
    System,
}

impl Channel {
    /// The name stored with a case (`cases.channel`) and in events.
    pub fn code(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Api => "api",
            Self::Online => "online",
            Self::Kiosk => "kiosk",
            Self::System => "system",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Window, Self::Api, Self::Online, Self::Kiosk, Self::System]
            .into_iter()
            .find(|channel| channel.code() == code)
    }
}

/// Which kind of person (or process) an actor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    Staff {
        user_id: i64,
        username: String,
    },
    Applicant {
        applicant_id: i64,
    },
    /// A visitor at the kiosk, not logged in.
    Visitor,
    System,
}

/// Someone (or something) doing one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The name events and signatures show (a staff member's display name, an applicant's name).
    pub name: String,
    /// Staff roles; empty for applicants, visitors and the system.
    pub roles: Vec<Role>,
    /// The department a member of staff works for; `None` for a general window, a manager or a non-staff actor.
    pub department: Option<String>,
    pub channel: Channel,
}

impl Actor {
    pub fn staff(
        user_id: i64,
        username: &str,
        name: &str,
        roles: Vec<Role>,
        department: Option<String>,
        channel: Channel,
    ) -> Self {
        Self {
            kind: ActorKind::Staff { user_id, username: username.to_string() },
            name: name.to_string(),
            roles,
            department,
            channel,
        }
    }

    pub fn applicant(applicant_id: i64, name: &str) -> Self {
        Self {
            kind: ActorKind::Applicant { applicant_id },
            name: name.to_string(),
            roles: Vec::new(),
            department: None,
            channel: Channel::Online,
        }
    }

    pub fn visitor() -> Self {
        Self {
            kind: ActorKind::Visitor,
            name: "取号机".to_string(),
            roles: Vec::new(),
            department: None,
            channel: Channel::Kiosk,
        }
    }

    /// The server acting on its own, under the name events show.
    pub fn system(name: &str) -> Self {
        Self {
            kind: ActorKind::System,
            name: name.to_string(),
            roles: Vec::new(),
            department: None,
            channel: Channel::System,
        }
    }

    /// An operator at the server's console (the command line, start-up seeding): the system, with a
    /// centre administrator's rights over the catalog and the calendar.
    pub fn operator(name: &str) -> Self {
        Self {
            kind: ActorKind::System,
            name: name.to_string(),
            roles: vec![Role::Admin, Role::CatalogEditor],
            department: None,
            channel: Channel::System,
        }
    }

    /// Who the audit log names: the staff account's log-in name, or the actor's name.
    pub fn audit_name(&self) -> &str {
        self.username().unwrap_or(&self.name)
    }

    /// Whether the actor's roles allow `permission` (never for applicants, visitors or the system).
    pub fn may(&self, permission: Permission) -> bool {
        allows(&self.roles, permission)
    }

    /// The staff account's log-in name, for the audit log and the hall's records.
    pub fn username(&self) -> Option<&str> {
        match &self.kind {
            ActorKind::Staff { username, .. } => Some(username),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match &self.kind {
            ActorKind::Staff { user_id, .. } => Some(*user_id),
            _ => None,
        }
    }

    pub fn applicant_id(&self) -> Option<i64> {
        match &self.kind {
            ActorKind::Applicant { applicant_id } => Some(*applicant_id),
            _ => None,
        }
    }

    /// The role an event records: the staff roles joined (`window_staff,admin`), or `applicant`, `visitor`,
    /// `system`.
    pub fn role_text(&self) -> String {
        match &self.kind {
            ActorKind::Staff { .. } => self.roles.iter().map(|role| role.code()).collect::<Vec<_>>().join(","),
            ActorKind::Applicant { .. } => "applicant".to_string(),
            ActorKind::Visitor => "visitor".to_string(),
            ActorKind::System => "system".to_string(),
        }
    }

    /// Who owns what this actor uploads: `user:ID` or `applicant:ID`.
    pub fn owner_tag(&self) -> String {
        match &self.kind {
            ActorKind::Staff { user_id, .. } => format!("user:{user_id}"),
            ActorKind::Applicant { applicant_id } => format!("applicant:{applicant_id}"),
            ActorKind::Visitor => "visitor".to_string(),
            ActorKind::System => "system".to_string(),
        }
    }

    /// Whether this actor may register a case of a matter of `department`: a general window (no department)
    /// registers every matter, a department's window only its own department's.
    pub fn registers_for(&self, department: &str) -> bool {
        self.department.as_deref().is_none_or(|own| own == department)
    }

    /// The actor's department, if they review cases for it (reviewers only).
    pub fn reviewing_department(&self) -> Option<&str> {
        if self.may(Permission::ReviewCases) {
            self.department.as_deref()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_decide_permissions_and_only_staff_have_them() {
        let window = Actor::staff(7, "window", "综合窗口", vec![Role::WindowStaff], None, Channel::Window);
        assert!(window.may(Permission::AcceptCases));
        assert!(!window.may(Permission::Supervise));
        assert_eq!(window.role_text(), "window_staff");
        assert_eq!(window.owner_tag(), "user:7");
        assert_eq!(window.username(), Some("window"));
        let applicant = Actor::applicant(3, "张三");
        assert!(Permission::ALL.iter().all(|permission| !applicant.may(*permission)));
        assert_eq!(applicant.role_text(), "applicant");
        assert_eq!(applicant.owner_tag(), "applicant:3");
        assert_eq!(Actor::system("系统").role_text(), "system");
    }

    #[test]
    fn a_department_window_registers_only_its_departments_matters() {
        let general = Actor::staff(7, "window", "综合窗口", vec![Role::WindowStaff], None, Channel::Window);
        assert!(general.registers_for("zrzyj") && general.registers_for("scjgj"));
        let market =
            Actor::staff(8, "market", "市场监管窗口", vec![Role::WindowStaff], Some("scjgj".into()), Channel::Window);
        assert!(market.registers_for("scjgj"));
        assert!(!market.registers_for("zrzyj"));
    }

    #[test]
    fn only_a_reviewer_reviews_for_a_department() {
        let reviewer =
            Actor::staff(1, "land", "自然资源局", vec![Role::Reviewer], Some("zrzyj".to_string()), Channel::Window);
        assert_eq!(reviewer.reviewing_department(), Some("zrzyj"));
        let window = Actor::staff(2, "w", "窗口", vec![Role::WindowStaff], Some("zrzyj".to_string()), Channel::Window);
        assert_eq!(window.reviewing_department(), None);
    }

    #[test]
    fn channels_round_trip_through_their_codes() {
        for channel in [Channel::Window, Channel::Api, Channel::Online, Channel::Kiosk, Channel::System] {
            assert_eq!(Channel::parse(channel.code()), Some(channel));
        }
        assert_eq!(Channel::parse("fax"), None);
    }
}
