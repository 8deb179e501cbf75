//! What changed between two versions of a matter, element by element, with what each said before and
//! after, in the few words the history page shows.

use super::file::changed_elements;
use onetrip_domain::catalog::Matter;

/// One element that differs, with its content before and after, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementChange {
    pub element: &'static str,
    pub before: String,
    pub after: String,
}

const MAX_CHARS: usize = 120;

fn clipped(text: String) -> String {
    if text.chars().count() <= MAX_CHARS {
        text
    } else {
        let mut short: String = text.chars().take(MAX_CHARS).collect();
        short.push('…');
        short
    }
}

fn listed<T>(items: &[T], each: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        "（无）".to_string()
    } else {
        format!("{} 项：{}", items.len(), items.iter().map(each).collect::<Vec<_>>().join("、"))
    }
}

/// An element of a matter in words, as `changed_elements` names it.
fn describe(element: &str, matter: &Matter) -> String {
    let text = match element {
        "事项名称" => matter.name.clone(),
        "编码与层级" => format!("{}（{} › {}）", matter.catalog_code, matter.main_item.name, matter.sub_item.name),
        "事项类型" => matter.kind.label().to_string(),
        "实施主体与联办机构" => {
            let joint = if matter.joint_departments.is_empty() {
                String::new()
            } else {
                format!("，联办：{}", matter.joint_departments.join("、"))
            };
            format!("{}{joint}", matter.department)
        }
        "设定依据" => matter.legal_basis.clone(),
        "受理条件" => matter.acceptance_conditions.clone(),
        "办结时限" => format!("承诺 {}，法定 {}", matter.promised_limit, matter.statutory_limit),
        "到现场次数" => {
            if matter.trips_required == 0 {
                "0 次".to_string()
            } else {
                format!("{} 次（{}）", matter.trips_required, matter.trips_reason)
            }
        }
        "网上办理与便民服务" => matter.online_depth.label().to_string(),
        "申请材料" => listed(&matter.materials, |material| material.name.clone()),
        "办理环节与特别程序" => listed(&matter.steps, |step| format!("{}（{}）", step.name, step.limit)),
        "收费" => {
            if matter.fees.is_empty() {
                "不收费".to_string()
            } else {
                listed(&matter.fees, |fee| format!("{} {}", fee.name, fee.standard))
            }
        }
        "常见问题" => listed(&matter.faqs, |faq| faq.question.clone()),
        "办理结果" => listed(&matter.results, |result| result.name.clone()),
        "地点、时间与电话" => {
            format!("{}；{}；咨询 {}", matter.address, matter.office_hours, matter.consultation_phone)
        }
        _ => String::new(),
    };
    clipped(text)
}

/// Every element that differs between two versions, before and after.
pub fn element_changes(before: &Matter, after: &Matter) -> Vec<ElementChange> {
    changed_elements(before, after)
        .into_iter()
        .map(|element| ElementChange { element, before: describe(element, before), after: describe(element, after) })
        .collect()
}
