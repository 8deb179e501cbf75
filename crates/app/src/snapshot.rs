//! The catalog as the public sees it today, built once from the store and shared read-only until the next
//! change: the version in force of every matter, the search index, the departments, the bundles and the
//! hall layout (each checked against the matters in force). Writers rebuild it after they commit; readers
//! take an `Arc` and never wait for a rebuild.

use chrono::NaiveDate;
use onetrip_domain::bundle::Bundle;
use onetrip_domain::catalog::{Department, Matter, MatterVersion, OnlineDepth};
use onetrip_domain::hall::HallLayout;
use onetrip_domain::search::{Field, SearchIndex, Synonyms};
use onetrip_domain::FieldErrors;
use std::collections::{BTreeMap, HashMap, HashSet};

pub struct CatalogSnapshot {
    /// Which rebuild made this snapshot: caches of anything rendered from it are keyed by it.
    pub generation: u64,
    /// The version in force of every matter, including cancelled and merged ones.
    pub versions: Vec<MatterVersion>,
    by_code: HashMap<String, usize>,
    /// Positions in `versions` of matters still handled, in the order the search index knows them.
    active: Vec<usize>,
    pub departments: Vec<Department>,
    department_names: HashMap<String, String>,
    pub index: SearchIndex,
    pub synonyms: Synonyms,
    pub today: NaiveDate,
    /// "One thing" bundles whose matters are all in force.
    pub bundles: Vec<Bundle>,
    /// The hall's halls, zones and windows (`hall.layout`); empty until one is saved.
    pub hall: HallLayout,
}

impl CatalogSnapshot {
    pub fn build(
        generation: u64,
        versions: Vec<MatterVersion>,
        departments: Vec<Department>,
        synonyms: Synonyms,
        today: NaiveDate,
    ) -> Self {
        let department_names: HashMap<String, String> =
            departments.iter().map(|department| (department.code.clone(), department.name.clone())).collect();
        let by_code =
            versions.iter().enumerate().map(|(position, version)| (version.matter.code.clone(), position)).collect();
        let active: Vec<usize> = versions
            .iter()
            .enumerate()
            .filter(|(_, version)| !version.adjustment.kind.ends_the_matter())
            .map(|(position, _)| position)
            .collect();
        let joined: Vec<[String; 3]> = active
            .iter()
            .map(|position| {
                let matter = &versions[*position].matter;
                [
                    matter.keywords.join(" "),
                    format!("{} {} {}", matter.themes.join(" "), matter.life_events.join(" "), matter.sub_item.name),
                    format!(
                        "{} {}",
                        department_names.get(&matter.department).map(String::as_str).unwrap_or_default(),
                        matter.code
                    ),
                ]
            })
            .collect();
        let documents = active.iter().zip(&joined).map(|(position, [keywords, themes, department])| {
            vec![
                Field { text: &versions[*position].matter.name, weight: 3.0 },
                Field { text: keywords, weight: 2.0 },
                Field { text: themes, weight: 1.0 },
                Field { text: department, weight: 0.5 },
            ]
        });
        let index = SearchIndex::build(documents, synonyms.clone());
        Self {
            generation,
            versions,
            by_code,
            active,
            departments,
            department_names,
            index,
            synonyms,
            today,
            bundles: Vec::new(),
            hall: HallLayout { source: String::new(), halls: Vec::new(), zones: Vec::new(), windows: Vec::new() },
        }
    }

    pub fn version(&self, code: &str) -> Option<&MatterVersion> {
        self.by_code.get(code).map(|position| &self.versions[*position])
    }

    /// The version in force of a matter that is still handled (not cancelled or merged).
    pub fn active_version(&self, code: &str) -> Option<&MatterVersion> {
        self.version(code).filter(|version| !version.adjustment.kind.ends_the_matter())
    }

    /// Matters still handled, in catalog order.
    pub fn active_matters(&self) -> impl Iterator<Item = &Matter> {
        self.active.iter().map(|position| &self.versions[*position].matter)
    }

    pub fn bundle(&self, code: &str) -> Option<&Bundle> {
        self.bundles.iter().find(|bundle| bundle.code == code)
    }

    pub fn department_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.department_names.get(code).map(String::as_str).unwrap_or(code)
    }

    /// The name of a matter in force, or its code.
    pub fn matter_name(&self, code: &str) -> String {
        self.version(code).map(|version| version.matter.name.clone()).unwrap_or_else(|| code.to_string())
    }

    /// Ranked search over the matters still handled.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Matter> {
        self.find(query, limit).0
    }

    /// Ranked search with what the query was read as, when the best hits come from reading it in pinyin
    /// or from correcting a character of the same sound.
    pub fn find(&self, query: &str, limit: usize) -> (Vec<&Matter>, Option<String>) {
        let found = self.index.find(query, limit);
        (found.hits.iter().map(|hit| self.hit_matter(hit.document)).collect(), found.read_as)
    }

    /// For a query that found nothing: the matters whose names share the most of its characters.
    pub fn closest(&self, query: &str, limit: usize) -> Vec<&Matter> {
        self.index.closest(query, limit).iter().map(|hit| self.hit_matter(hit.document)).collect()
    }

    fn hit_matter(&self, document: u32) -> &Matter {
        &self.versions[self.active[document as usize]].matter
    }

    /// Active matters grouped by a key (theme, life event), keys in order.
    pub fn grouped<'a>(&'a self, keys: impl Fn(&'a Matter) -> Vec<&'a str>) -> BTreeMap<&'a str, Vec<&'a Matter>> {
        let mut groups: BTreeMap<&str, Vec<&Matter>> = BTreeMap::new();
        for matter in self.active_matters() {
            for key in keys(matter) {
                groups.entry(key).or_default().push(matter);
            }
        }
        groups
    }
}

/// Parses a bundle list and checks it against a catalog snapshot: every matter in force and open to online
/// application.
pub fn parse_bundles(catalog: &CatalogSnapshot, text: &str) -> Result<Vec<Bundle>, FieldErrors> {
    #[derive(serde::Deserialize)]
    struct File {
        bundles: Vec<Bundle>,
    }
    let file: File = serde_json::from_str(text)
        .map_err(|error| FieldErrors::single("bundles", format!("不是有效的一件事清单：{error}")))?;
    onetrip_domain::bundle::validate_bundles(&file.bundles, |code| {
        catalog
            .active_version(code)
            .is_some_and(|version| !matches!(version.matter.online_depth, OnlineDepth::None | OnlineDepth::Consult))
    })?;
    Ok(file.bundles)
}

/// The layout checked against the catalog in force.
pub fn parse_layout(catalog: &CatalogSnapshot, text: &str) -> Result<HallLayout, FieldErrors> {
    let layout: HallLayout = serde_json::from_str(text)
        .map_err(|error| FieldErrors::single("layout", format!("不是有效的大厅布局：{error}")))?;
    let departments: HashSet<String> = catalog.departments.iter().map(|department| department.code.clone()).collect();
    let matters: HashSet<String> = catalog.versions.iter().map(|version| version.matter.code.clone()).collect();
    layout.check(&departments, &matters).map_err(|problems| {
        let mut errors = FieldErrors::default();
        for (place, message) in problems {
            errors.add(place, message);
        }
        errors
    })?;
    Ok(layout)
}
