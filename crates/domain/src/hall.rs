//! The service hall's layout: halls (the centre and the specialised halls networked with it), their zones
//! (功能区) with the letter on their tickets, and windows (窗口) with what each serves. The layout is one
//! document, checked as a whole before it replaces the old one, so a window never points at a zone that
//! is gone.

use crate::queue::WindowServes;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallLayout {
    #[serde(default)]
    pub source: String,
    pub halls: Vec<Hall>,
    pub zones: Vec<Zone>,
    pub windows: Vec<Window>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hall {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// A specialised hall elsewhere (tax, market regulation) whose queue is networked with the centre.
    #[serde(default)]
    pub networked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Zone {
    pub code: String,
    pub hall: String,
    pub name: String,
    /// 一个大写字母: the letter its tickets start with (`B` → `B023`); unique within a hall.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1))]
    pub prefix: char,
    /// Where it is, for the ticket and the display ("一楼东侧").
    #[serde(default)]
    pub location: String,
    /// The departments whose matters this zone's queue offers.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Appointments it takes per morning and per afternoon (0: none).
    #[serde(default)]
    pub appointments_am: u32,
    #[serde(default)]
    pub appointments_pm: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    /// Shown above the window and on the display, e.g. `B07`.
    pub code: String,
    pub zone: String,
    /// The departments whose staff may sit here; several for a general window on a rota.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Further zones whose queue this window calls (a general window); its own zone always.
    #[serde(default)]
    pub also_zones: Vec<String>,
    /// Single matters it also serves from other zones' queues (a matter-specific window).
    #[serde(default)]
    pub matters: Vec<String>,
    /// A window that is not in service (under repair, not staffed this year): never an empty post.
    #[serde(default = "yes")]
    pub open: bool,
}

fn yes() -> bool {
    true
}

impl Window {
    pub fn serves(&self) -> WindowServes {
        let mut zones = vec![self.zone.clone()];
        zones.extend(self.also_zones.iter().cloned());
        WindowServes { zones, matters: self.matters.clone() }
    }

    /// A general window: shared by several departments, or calling more than its own zone.
    pub fn is_general(&self) -> bool {
        self.departments.len() > 1 || !self.also_zones.is_empty()
    }
}

/// What is wrong with a layout, each with the place it is wrong (`windows[3].zone`).
pub type LayoutProblems = Vec<(String, String)>;

impl HallLayout {
    pub fn zone(&self, code: &str) -> Option<&Zone> {
        self.zones.iter().find(|zone| zone.code == code)
    }

    pub fn window(&self, code: &str) -> Option<&Window> {
        self.windows.iter().find(|window| window.code == code)
    }

    /// The zone whose queue offers a matter of `department`, if any.
    pub fn zone_for_department(&self, department: &str) -> Option<&Zone> {
        self.zones.iter().find(|zone| zone.departments.iter().any(|code| code == department))
    }

    /// The open windows that call tickets of `zone` (or of `matter` in it).
    pub fn windows_serving<'a>(&'a self, zone: &'a str, matter: Option<&'a str>) -> impl Iterator<Item = &'a Window> {
        self.windows.iter().filter(move |window| {
            window.open
                && (window.zone == zone
                    || window.also_zones.iter().any(|code| code == zone)
                    || matter.is_some_and(|matter| window.matters.iter().any(|code| code == matter)))
        })
    }

    /// Whether a zone's queue offers a matter: its department sits in the zone, or a window there serves it.
    pub fn zone_serves(&self, zone: &Zone, department: &str, matter: &str) -> bool {
        zone.departments.iter().any(|code| code == department)
            || self
                .windows
                .iter()
                .any(|window| window.zone == zone.code && window.matters.iter().any(|code| code == matter))
    }

    /// Checks the layout against itself and against the catalog's departments and matters.
    pub fn check(&self, departments: &HashSet<String>, matters: &HashSet<String>) -> Result<(), LayoutProblems> {
        let mut problems = Vec::new();
        let mut problem = |place: String, message: &str| problems.push((place, message.to_string()));
        let code_ok = |code: &str| {
            (1..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let mut halls = HashSet::new();
        for (index, hall) in self.halls.iter().enumerate() {
            if !code_ok(&hall.code) {
                problem(format!("halls[{index}].code"), "编号用 1–16 个字母、数字、- 或 _");
            } else if !halls.insert(hall.code.as_str()) {
                problem(format!("halls[{index}].code"), "大厅编号重复了");
            }
            if hall.name.trim().is_empty() {
                problem(format!("halls[{index}].name"), "请填写大厅名称");
            }
        }
        if self.halls.is_empty() {
            problem("halls".into(), "至少要有一个大厅");
        }
        let mut zones = HashSet::new();
        let mut prefixes: HashMap<(&str, char), usize> = HashMap::new();
        for (index, zone) in self.zones.iter().enumerate() {
            if !code_ok(&zone.code) {
                problem(format!("zones[{index}].code"), "编号用 1–16 个字母、数字、- 或 _");
            } else if !zones.insert(zone.code.as_str()) {
                problem(format!("zones[{index}].code"), "功能区编号重复了");
            }
            if !halls.contains(zone.hall.as_str()) {
                problem(format!("zones[{index}].hall"), "没有这个大厅");
            }
            if zone.name.trim().is_empty() {
                problem(format!("zones[{index}].name"), "请填写功能区名称");
            }
            if !zone.prefix.is_ascii_uppercase() {
                problem(format!("zones[{index}].prefix"), "号码字头用一个大写英文字母，例如 B");
            } else if let Some(other) = prefixes.insert((zone.hall.as_str(), zone.prefix), index) {
                problem(
                    format!("zones[{index}].prefix"),
                    &format!("与第 {} 个功能区的字头相同，同一大厅里要各不相同", other + 1),
                );
            }
            for (position, department) in zone.departments.iter().enumerate() {
                if !departments.contains(department) {
                    problem(format!("zones[{index}].departments[{position}]"), "目录里没有这个部门");
                }
            }
            if zone.appointments_am > 500 || zone.appointments_pm > 500 {
                problem(format!("zones[{index}].appointments_am"), "每个半天最多 500 个预约名额");
            }
        }
        let mut windows = HashSet::new();
        for (index, window) in self.windows.iter().enumerate() {
            if !code_ok(&window.code) {
                problem(format!("windows[{index}].code"), "编号用 1–16 个字母、数字、- 或 _");
            } else if !windows.insert(window.code.as_str()) {
                problem(format!("windows[{index}].code"), "窗口编号重复了");
            }
            if !zones.contains(window.zone.as_str()) {
                problem(format!("windows[{index}].zone"), "没有这个功能区");
            }
            for (position, zone) in window.also_zones.iter().enumerate() {
                if !zones.contains(zone.as_str()) {
                    problem(format!("windows[{index}].also_zones[{position}]"), "没有这个功能区");
                }
            }
            for (position, department) in window.departments.iter().enumerate() {
                if !departments.contains(department) {
                    problem(format!("windows[{index}].departments[{position}]"), "目录里没有这个部门");
                }
            }
            for (position, matter) in window.matters.iter().enumerate() {
                if !matters.contains(matter) {
                    problem(format!("windows[{index}].matters[{position}]"), "目录里没有这个事项");
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// A problem's place (`zones[2].prefix`) in words for the layout page: 第 3 个功能区 · 号码字头. The path
/// itself stays the key of the API's field errors.
pub fn place_label(place: &str) -> String {
    let mut words = Vec::new();
    for part in place.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let noun = match name {
            "halls" => "大厅",
            "zones" => "功能区",
            "windows" => "窗口",
            "departments" => "部门",
            "matters" => "事项",
            "also_zones" => "兼办功能区",
            "code" => "编号",
            "name" => "名称",
            "hall" => "所在大厅",
            "zone" => "所在功能区",
            "prefix" => "号码字头",
            "appointments_am" | "appointments_pm" => "预约名额",
            other => other,
        };
        words.push(match index {
            Some(index) => format!("第 {} 个{noun}", index + 1),
            None => noun.to_string(),
        });
    }
    words.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_read_in_words() {
        assert_eq!(place_label("zones[2].prefix"), "第 3 个功能区 · 号码字头");
        assert_eq!(place_label("windows[0].matters[4]"), "第 1 个窗口 · 第 5 个事项");
        assert_eq!(place_label("halls"), "大厅");
        assert_eq!(place_label("zones[x].odd"), "功能区 · odd");
    }

    fn layout() -> HallLayout {
        HallLayout {
            source: String::new(),
            halls: vec![Hall {
                code: "centre".into(),
                name: "政务服务中心".into(),
                address: String::new(),
                networked: false,
            }],
            zones: vec![
                Zone {
                    code: "bdc".into(),
                    hall: "centre".into(),
                    name: "不动产登记".into(),
                    prefix: 'C',
                    location: String::new(),
                    departments: vec!["zrzyj".into()],
                    appointments_am: 0,
                    appointments_pm: 0,
                },
                Zone {
                    code: "ss".into(),
                    hall: "centre".into(),
                    name: "办税".into(),
                    prefix: 'D',
                    location: String::new(),
                    departments: vec!["swj".into()],
                    appointments_am: 0,
                    appointments_pm: 0,
                },
            ],
            windows: vec![
                Window {
                    code: "C01".into(),
                    zone: "bdc".into(),
                    departments: vec!["zrzyj".into()],
                    also_zones: vec![],
                    matters: vec![],
                    open: true,
                },
                Window {
                    code: "Z01".into(),
                    zone: "ss".into(),
                    departments: vec!["swj".into(), "zrzyj".into()],
                    also_zones: vec!["bdc".into()],
                    matters: vec![],
                    open: true,
                },
            ],
        }
    }

    fn known() -> (HashSet<String>, HashSet<String>) {
        (["zrzyj", "swj"].iter().map(|code| code.to_string()).collect(), HashSet::new())
    }

    #[test]
    fn a_sound_layout_passes_and_general_windows_call_several_zones() {
        let layout = layout();
        let (departments, matters) = known();
        assert_eq!(layout.check(&departments, &matters), Ok(()));
        assert_eq!(layout.windows_serving("bdc", None).count(), 2);
        assert_eq!(layout.windows_serving("ss", None).count(), 1);
        assert!(layout.window("Z01").expect("window").is_general());
        assert!(!layout.window("C01").expect("window").is_general());
        assert_eq!(layout.zone_for_department("swj").map(|zone| zone.code.as_str()), Some("ss"));
        assert_eq!(layout.window("Z01").expect("window").serves().zones, vec!["ss".to_string(), "bdc".to_string()]);
    }

    #[test]
    fn every_problem_is_named_with_its_place() {
        let mut layout = layout();
        layout.zones[1].prefix = 'C';
        layout.windows[0].zone = "gone".into();
        layout.windows[1].code = "C01".into();
        layout.windows[1].matters = vec!["00000000000000".into()];
        layout.zones[0].departments.push("nobody".into());
        let (departments, matters) = known();
        let problems = layout.check(&departments, &matters).expect_err("problems");
        let places: Vec<&str> = problems.iter().map(|(place, _)| place.as_str()).collect();
        assert_eq!(
            places,
            vec![
                "zones[0].departments[1]",
                "zones[1].prefix",
                "windows[0].zone",
                "windows[1].code",
                "windows[1].matters[0]"
            ]
        );
    }
}
