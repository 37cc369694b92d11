//! Fuzzing the importer's reader and file checks on stable Rust: proptest
//! mutates real exports (`app/tests/corpus/`): bytes flipped, cut, deleted,
//! doubled, JSON-ish tokens inserted, sometimes gzip-compressed. Whatever
//! comes in, the reader must not panic and must answer with a checked file
//! or at least one problem in words. `make test` runs a short run; `make
//! fuzz` runs many more cases (TIMETHER_FUZZ_CASES).

use super::check::check;
use super::read;
use crate::backup::format::TimeEntry;
use proptest::prelude::*;
use std::io::Write;

const SEEDS: &[&[u8]] = &[
    include_bytes!("../../../tests/corpus/backup-seeded.json"),
    include_bytes!("../../../tests/corpus/backup-empty.json"),
];

/// Things that break parsers: structure, odd numbers and dates, control
/// and bidi characters, deep nesting, duplicate keys.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "-1",
    "1e999",
    "18446744073709551616",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"2026-13-45T25:61:61Z\"",
    "\"9999-12-31T23:59:59Z\"",
    "\"id\":",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "\"ended_at\":null,",
    "\"format\":\"timether-backup\",",
    "\u{feff}",
    "\"\u{202e}\"",
];

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, &'static str),
    Delete(usize, usize),
    Double(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 1usize..256).prop_map(|(i, n)| Mutation::Double(i, n)),
    ]
}

fn mutate(seed: &[u8], ms: &[Mutation]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for m in ms {
        let at = |i: usize, v: &Vec<u8>| if v.is_empty() { 0 } else { i % (v.len() + 1) };
        match m {
            Mutation::Flip(i, b) if !v.is_empty() => {
                let i = i % v.len();
                v[i] ^= b;
            }
            Mutation::Flip(..) => {}
            Mutation::Cut(i) => {
                let i = at(*i, &v);
                v.truncate(i);
            }
            Mutation::Insert(i, t) => {
                let i = at(*i, &v);
                v.splice(i..i, t.bytes());
            }
            Mutation::Delete(i, n) => {
                let i = at(*i, &v);
                let end = (i + n).min(v.len());
                v.drain(i..end);
            }
            Mutation::Double(i, n) => {
                let i = at(*i, &v);
                let end = (i + n).min(v.len());
                let piece = v[i..end].to_vec();
                v.splice(i..i, piece);
            }
        }
    }
    v
}

fn cases() -> u32 {
    std::env::var("TIMETHER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn checked(bytes: &[u8]) -> Result<(), Vec<String>> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    match check(file.path()) {
        Ok(_) => Ok(()),
        Err(p) => Err(p.list.iter().map(ToString::to_string).collect()),
    }
}

/// What a reading made of a file (head or problem, in words) and the
/// entries it handed on.
type Reading = (String, Vec<(usize, TimeEntry)>);

/// The splitter's reading and serde's plain one: the same entries and
/// head, or the same problem.
fn both_readings(bytes: &[u8]) -> (Reading, Reading) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    let run = |plain: bool| {
        let mut seen = Vec::new();
        let mut entry = |i, e| seen.push((i, e));
        let head = if plain {
            read::parse_plain(file.path(), &mut entry)
        } else {
            read::parse(file.path(), &mut entry)
        };
        let summary = format!(
            "{head:?}; {} entries, the last {:?}",
            seen.len(),
            seen.last()
        );
        (summary, seen)
    };
    (run(false), run(true))
}

#[test]
fn the_seeds_are_good_backups() {
    for seed in SEEDS {
        assert_eq!(checked(seed), Ok(()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_input_gets_a_checked_file_or_problems_in_words(
        seed in 0..SEEDS.len(),
        ms in prop::collection::vec(mutation(), 1..6),
        gzip in any::<bool>(),
    ) {
        let mut bytes = mutate(SEEDS[seed], &ms);
        if gzip {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&bytes).unwrap();
            bytes = gz.finish().unwrap();
        }
        let ((split, split_seen), (plain, plain_seen)) = both_readings(&bytes);
        prop_assert_eq!(split, plain);
        prop_assert!(split_seen == plain_seen);
        if let Err(problems) = checked(&bytes) {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(p.chars().any(char::is_alphabetic), "{p}");
            }
        }
    }
}

/// The empty backup with `entries` (JSON text) as its time entries, under
/// `key` (the key as written, quotes included).
fn with_entries(key: &str, entries: &str) -> Vec<u8> {
    let empty = std::str::from_utf8(SEEDS[1]).unwrap();
    empty
        .replace("\"time_entries\":[\n]", &format!("{key}:[\n{entries}\n]"))
        .into_bytes()
}

const ENTRY: &str = r#"{"id":"018c2642-2bc0-7933-8dbd-a4b6b08b1953","person":"a@example.com","description":"DESC","project_id":null,"tag_ids":[],"billable":false,"started_at":"2023-12-01T16:42:00Z","ended_at":"2023-12-01T16:59:36Z","invoice_id":null,"created_at":"2023-12-01T16:59:36Z","updated_at":"2023-12-01T16:59:36Z"}"#;

#[test]
fn the_splitter_takes_every_size_of_entry_and_escaped_keys() {
    // 3 MB of escaped quotes, more than a read of the splitter (256 KB).
    let giant = ENTRY.replace("DESC", &"x\\\"".repeat((1 << 20) + 1));
    for key in ["\"time_entries\"", "\"time\\u005fentries\""] {
        let bytes = with_entries(
            key,
            &format!("{},\n{giant},{ENTRY}", ENTRY.replace("DESC", "ok")),
        );
        let ((split, seen), (plain, plain_seen)) = both_readings(&bytes);
        assert_eq!(split, plain);
        assert!(seen == plain_seen);
        assert_eq!(seen.len(), 3, "{split}");
        assert_eq!(seen[1].1.description.len(), (2 << 20) + 2);
    }
}

#[test]
fn an_array_named_time_entries_elsewhere_is_left_to_serde() {
    // Inside `workspace`, not at the top: serde's unknown-field answer.
    let empty = std::str::from_utf8(SEEDS[1]).unwrap();
    let bytes = empty.replace(
        "\"currency\":\"USD\"",
        &format!("\"currency\":\"USD\",\"time_entries\":[{ENTRY}]"),
    );
    let ((split, _), (plain, _)) = both_readings(bytes.as_bytes());
    assert_eq!(split, plain);
    assert!(split.contains("unknown field `time_entries`"), "{split}");
}
