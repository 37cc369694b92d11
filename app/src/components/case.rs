//! Unicode case mapping for the UI (picker search, initials). In the
//! browser it is the JavaScript engine's: Rust's own `to_lowercase` and
//! `to_uppercase` bring their Unicode tables, about 30 KB, into the WASM.
//! Both follow Unicode's default case mappings, so the server and the
//! browser agree.

/// `s` in lower case.
pub fn lower(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(s).to_lower_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

/// `s` in upper case.
pub fn upper(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(s).to_upper_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn maps_beyond_ascii() {
        assert_eq!(super::lower("ÉLAN Straße"), "élan straße");
        assert_eq!(super::upper("ép"), "ÉP");
    }
}
