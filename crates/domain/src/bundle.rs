//! "One thing" bundles (一件事一次办): several matters of several departments that an applicant needs
//! together, such as starting a business (企业开办 = company registration + seal + invoices + employee
//! insurance), applied for once with one form and one set of materials, and handled as linked cases.
//!
//! A bundle's material list is the union of its matters' lists, one entry per material name; materials that
//! one matter of the bundle produces for another (the business licence) are not asked for.

use crate::acceptance::{check_completeness, MaterialProblem, Supplied};
use crate::catalog::{MaterialNecessity, Matter};
use crate::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    /// A short code for addresses, e.g. `qykb`.
    pub code: String,
    pub name: String,
    /// One sentence for the public: what the bundle gets done.
    pub summary: String,
    /// Matter codes, in the order they are handled.
    #[cfg_attr(feature = "openapi", schema(min_items = 2))]
    pub matters: Vec<String>,
    /// 由本一件事中前序事项产生、无需申请人提交的材料名称: names of materials that a matter of the bundle
    /// produces for the others, never asked for.
    #[serde(default)]
    pub produced_within: Vec<String>,
}

/// One entry of a bundle's combined material list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombinedMaterial {
    pub name: String,
    /// The strictest of the matters' requirements: required over 容缺 over optional.
    pub necessity: MaterialNecessity,
    /// A pledge (告知承诺) replaces it only if every matter that asks for it allows one.
    pub pledge_allowed: bool,
    pub acceptance_standard: String,
    pub specification: String,
    /// (position of the matter in the bundle, position of the material in that matter's list).
    pub used_by: Vec<(usize, usize)>,
}

fn strictness(necessity: MaterialNecessity) -> u8 {
    match necessity {
        MaterialNecessity::Required => 2,
        MaterialNecessity::Deferrable => 1,
        MaterialNecessity::Optional => 0,
    }
}

/// The combined material list of a bundle's matters (given in the bundle's order).
pub fn combined_materials(bundle: &Bundle, matters: &[&Matter]) -> Vec<CombinedMaterial> {
    let mut combined: Vec<CombinedMaterial> = Vec::new();
    for (position, matter) in matters.iter().enumerate() {
        for (index, material) in matter.materials.iter().enumerate() {
            if bundle.produced_within.contains(&material.name) {
                continue;
            }
            match combined.iter_mut().find(|entry| entry.name == material.name) {
                Some(entry) => {
                    if strictness(material.necessity) > strictness(entry.necessity) {
                        entry.necessity = material.necessity;
                    }
                    entry.pledge_allowed &= material.pledge_allowed;
                    entry.used_by.push((position, index));
                }
                None => combined.push(CombinedMaterial {
                    name: material.name.clone(),
                    necessity: material.necessity,
                    pledge_allowed: material.pledge_allowed,
                    acceptance_standard: material.acceptance_standard.clone(),
                    specification: material.specification.clone(),
                    used_by: vec![(position, index)],
                }),
            }
        }
    }
    combined
}

/// What each matter of the bundle was supplied, from the answers to the combined list. A material produced
/// within the bundle counts as provided: the matter that produces it comes first.
pub fn split<T: Clone>(
    bundle: &Bundle,
    matters: &[&Matter],
    combined: &[CombinedMaterial],
    answers: &[(Supplied, T)],
    nothing: T,
) -> Vec<Vec<(Supplied, T)>> {
    matters
        .iter()
        .enumerate()
        .map(|(position, matter)| {
            matter
                .materials
                .iter()
                .enumerate()
                .map(|(index, material)| {
                    if bundle.produced_within.contains(&material.name) {
                        return (Supplied::Provided, nothing.clone());
                    }
                    combined
                        .iter()
                        .position(|entry| entry.used_by.contains(&(position, index)))
                        .and_then(|entry| answers.get(entry).cloned())
                        .unwrap_or((Supplied::Missing, nothing.clone()))
                })
                .collect()
        })
        .collect()
}

/// Every problem of the answers, by position in the combined list (each reported once).
pub fn check_combined(
    bundle: &Bundle,
    matters: &[&Matter],
    combined: &[CombinedMaterial],
    answers: &[Supplied],
) -> Vec<MaterialProblem> {
    let paired: Vec<(Supplied, ())> = answers.iter().map(|answer| (*answer, ())).collect();
    let per_matter = split(bundle, matters, combined, &paired, ());
    let mut problems: Vec<MaterialProblem> = Vec::new();
    for (position, (matter, supplied)) in matters.iter().zip(per_matter).enumerate() {
        let supplied: Vec<Supplied> = supplied.into_iter().map(|(answer, ())| answer).collect();
        for problem in check_completeness(matter, &supplied) {
            let Some(entry) = combined.iter().position(|entry| entry.used_by.contains(&(position, problem.material)))
            else {
                continue;
            };
            if !problems.iter().any(|known| known.material == entry) {
                problems.push(MaterialProblem { material: entry, name: problem.name, problem: problem.problem });
            }
        }
    }
    problems.sort_by_key(|problem| problem.material);
    problems
}

/// Checks a list of bundles against the matter codes that exist.
pub fn validate_bundles(bundles: &[Bundle], matter_exists: impl Fn(&str) -> bool) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    for (index, bundle) in bundles.iter().enumerate() {
        let field = |name: &str| format!("bundles[{index}].{name}");
        if bundle.code.is_empty() || bundle.code.len() > 20 || !bundle.code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.add(field("code"), "编码应为 1 到 20 位字母或数字");
        }
        if bundles.iter().filter(|other| other.code == bundle.code).count() > 1 {
            errors.add(field("code"), "编码重复");
        }
        if bundle.name.trim().is_empty() {
            errors.add(field("name"), "请填写名称");
        }
        if bundle.matters.len() < 2 {
            errors.add(field("matters"), "一件事至少包含两个事项");
        }
        for code in &bundle.matters {
            if !matter_exists(code) {
                errors.add(field("matters"), format!("没有现行事项 {code}"));
            }
        }
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::sample_matter;

    fn with_materials(code: &str, materials: &[(&str, MaterialNecessity)]) -> Matter {
        let mut matter = sample_matter();
        matter.code = code.to_string();
        let template = matter.materials[0].clone();
        matter.materials = materials
            .iter()
            .map(|(name, necessity)| crate::catalog::Material {
                name: name.to_string(),
                necessity: *necessity,
                ..template.clone()
            })
            .collect();
        matter
    }

    fn two_matters() -> (Matter, Matter) {
        let company = with_materials(
            "company",
            &[("申请书", MaterialNecessity::Required), ("身份证件", MaterialNecessity::Optional)],
        );
        let insurance = with_materials(
            "insurance",
            &[
                ("身份证件", MaterialNecessity::Required),
                ("营业执照", MaterialNecessity::Required),
                ("花名册", MaterialNecessity::Required),
            ],
        );
        (company, insurance)
    }

    fn bundle() -> Bundle {
        Bundle {
            code: "qykb".to_string(),
            name: "企业开办".to_string(),
            summary: String::new(),
            matters: vec!["company".to_string(), "insurance".to_string()],
            produced_within: vec!["营业执照".to_string()],
        }
    }

    #[test]
    fn materials_are_asked_for_once_at_their_strictest_and_products_of_the_bundle_not_at_all() {
        let (company, insurance) = two_matters();
        let combined = combined_materials(&bundle(), &[&company, &insurance]);
        let names: Vec<&str> = combined.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(names, ["申请书", "身份证件", "花名册"]);
        assert_eq!(combined[1].necessity, MaterialNecessity::Required, "required by one is required");
        assert_eq!(combined[1].used_by, [(0, 1), (1, 0)]);
    }

    #[test]
    fn answers_split_into_each_matters_list() {
        let (company, insurance) = two_matters();
        let matters = [&company, &insurance];
        let combined = combined_materials(&bundle(), &matters);
        let answers = [(Supplied::Provided, "a"), (Supplied::Provided, "id"), (Supplied::Missing, "")];
        let split = split(&bundle(), &matters, &combined, &answers, "");
        assert_eq!(split[0], [(Supplied::Provided, "a"), (Supplied::Provided, "id")]);
        assert_eq!(split[1], [(Supplied::Provided, "id"), (Supplied::Provided, ""), (Supplied::Missing, "")]);
        let problems = check_combined(&bundle(), &matters, &combined, &[Supplied::Provided, Supplied::Missing]);
        assert_eq!(problems.iter().map(|problem| problem.material).collect::<Vec<_>>(), [1, 2], "each once");
    }

    #[test]
    fn bundles_name_existing_matters() {
        let mut unknown = bundle();
        unknown.matters[1] = "nothing".to_string();
        let errors = validate_bundles(&[unknown], |code| code == "company").expect_err("unknown matter");
        assert!(errors.to_string().contains("nothing"));
        assert!(validate_bundles(&[bundle(), bundle()], |_| true).is_err(), "codes are unique");
        assert!(validate_bundles(&[bundle()], |_| true).is_ok());
    }
}
