//! Field-level validation errors: each names the field (a path such as `materials[2].name`) and says, in plain
//! Chinese, what is wrong and how to fix it.

use std::collections::BTreeMap;
use std::fmt;

/// Messages by field path. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    messages: BTreeMap<String, Vec<String>>,
}

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.messages.entry(field.into()).or_default().push(message.into());
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.messages.keys().map(String::as_str)
    }

    /// Each field with its messages, in field order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.messages.iter().map(|(field, messages)| (field.as_str(), messages.as_slice()))
    }

    /// The first message for a field, for showing next to a form input.
    pub fn first(&self, field: &str) -> Option<&str> {
        self.messages.get(field).and_then(|messages| messages.first()).map(String::as_str)
    }

    /// Adds every error of `other` with `prefix` before its field path.
    pub fn merge_prefixed(&mut self, prefix: &str, other: FieldErrors) {
        for (field, messages) in other.messages {
            for message in messages {
                self.add(format!("{prefix}{field}"), message);
            }
        }
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, messages) in &self.messages {
            for message in messages {
                if !first {
                    formatter.write_str("；")?;
                }
                write!(formatter, "{field}：{message}")?;
                first = false;
            }
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

/// The lines of a data file that carry something, each with the field its problems are reported under
/// (`line N`, counting from 1) and trimmed; blank lines and `#` comments are left out.
pub fn data_lines(text: &str) -> impl Iterator<Item = (String, &str)> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (format!("line {}", index + 1), line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}
