//! Input rules shared by the catalogue modules (clients, projects, tags).

use crate::error::Error;

/// A trimmed, non-empty name of at most `max` characters, and its
/// case-insensitive key for uniqueness.
pub fn name(raw: &str, max: usize, what: &str) -> Result<(String, String), Error> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            "name",
            format!("Enter a name for the {what}."),
        ));
    }
    if name.chars().count() > max {
        return Err(Error::invalid(
            "name",
            format!("Use at most {max} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            "Names cannot contain control characters.",
        ));
    }
    Ok((name.to_string(), name.to_lowercase()))
}

/// A colour as `#rrggbb` (lower-cased).
pub fn color(raw: &str) -> Result<String, Error> {
    let c = raw.trim().to_ascii_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(c)
    } else {
        Err(Error::invalid("color", "Choose a colour like #4f46e5."))
    }
}

/// Maps a unique-name violation to a message on the name field.
pub fn unique_name(e: sea_orm::DbErr, what: &str, name: &str) -> Error {
    if crate::db::is_unique_violation(&e) {
        Error::invalid(
            "name",
            format!("A {what} named “{name}” already exists in this workspace."),
        )
    } else {
        e.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_colours() {
        assert_eq!(
            name("  Acme  ", 10, "client").unwrap(),
            ("Acme".into(), "acme".into())
        );
        assert!(name("   ", 10, "client").is_err());
        assert!(name("abcdefghijk", 10, "client").is_err());
        assert!(name("a\u{0}b", 10, "client").is_err());
        assert_eq!(color("#ABCDEF").unwrap(), "#abcdef");
        for bad in ["abcdef", "#abc", "#gggggg", "#abcdef0"] {
            assert!(color(bad).is_err(), "{bad}");
        }
    }
}
