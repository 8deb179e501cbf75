//! The rating form as every channel shows it (the evaluator screen, the portal, a link's page): the five
//! levels with their words, the indicators a 差评 names, a reason, and the form's values read back into a
//! `RatingInput`. One view, so that each channel asks the same question in the same words.

use crate::extract::FormValues;
use onetrip_domain::rating::{Indicators, Level, RatingInput, Service, MAX_COMMENT_CHARS};
use onetrip_domain::FieldErrors;

/// The form's fields and what was entered.
pub struct RatingForm {
    /// (value, words), the best first.
    pub levels: Vec<(u8, &'static str)>,
    /// (code, name) of the indicators of the service rated.
    pub indicators: Vec<(String, String)>,
    pub level: u8,
    pub chosen: Vec<String>,
    pub comment: String,
    pub max_comment: usize,
    /// (field, message) of what was wrong.
    pub errors: Vec<(String, String)>,
    /// Put before every id, so that several forms on one page keep their labels apart.
    pub prefix: String,
}

impl RatingForm {
    pub fn new(service: Service, input: &RatingInput, errors: &FieldErrors) -> Self {
        let indicators = Indicators::shipped();
        Self {
            levels: Level::all().iter().map(|level| (level.value(), level.label())).collect(),
            indicators: indicators.of(service).map(|item| (item.code.clone(), item.name.clone())).collect(),
            level: u8::try_from(input.level).unwrap_or(0),
            chosen: input.indicators.clone(),
            comment: input.comment.clone(),
            max_comment: MAX_COMMENT_CHARS,
            errors: crate::extract::listed(errors),
            prefix: String::new(),
        }
    }

    /// The same form with ids that start with `prefix`.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_string();
        self
    }

    pub fn is_chosen(&self, code: &str) -> bool {
        self.chosen.iter().any(|chosen| chosen == code)
    }

    pub fn error(&self, field: &str) -> &str {
        self.errors.iter().find(|(name, _)| name == field).map(|(_, message)| message.as_str()).unwrap_or_default()
    }
}

/// The rating a form carries: `level` (a number; anything else reads as 0 and is refused), every
/// `indicators` box ticked, and `comment`.
pub fn rating_input(values: &FormValues) -> RatingInput {
    RatingInput {
        level: values.get("level").trim().parse().unwrap_or(0),
        indicators: values
            .0
            .iter()
            .filter(|(key, _)| key == "indicators")
            .map(|(_, value)| value.clone())
            .take(20)
            .collect(),
        comment: values.get("comment").to_string(),
    }
}
