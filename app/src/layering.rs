//! The layering rule, checked: request plumbing, tenant scoping, settings
//! and the database layer sit below every domain module and import none of
//! them, so a domain module can be read and changed from the bottom up.

/// Modules below the domain (files under `app/src`).
const LOWER: &[&str] = &[
    "context.rs",
    "tenant.rs",
    "settings.rs",
    "error.rs",
    "periods.rs",
    "types.rs",
    "validate.rs",
    "prepared.rs",
    "geo.rs",
    "rate_limit.rs",
    "secret_box.rs",
    "rfc3339.rs",
    "db",
];

/// The crate's modules that are not lower layers.
fn domain_modules(src: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let module = name.trim_end_matches(".rs").to_string();
        if !LOWER.contains(&name.as_str()) && name != "lib.rs" && name != "main.rs" {
            out.push(module);
        }
    }
    out
}

fn sources(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            sources(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn lower_layers_import_no_domain_module() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let domain = domain_modules(&src);
    assert!(domain.iter().any(|m| m == "entries"), "{domain:?}");
    let mut files = Vec::new();
    for lower in LOWER {
        sources(&src.join(lower), &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for m in &domain {
                if code.contains(&format!("crate::{m}::")) || code.contains(&format!("crate::{m};"))
                {
                    found.push(format!("{}:{}: {m}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "lower layers import domain modules:\n{}",
        found.join("\n")
    );
}
