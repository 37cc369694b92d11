//! Fuzzing the importer's reader and file checks on stable Rust: proptest
//! mutates real exports (`app/tests/corpus/`): bytes flipped, cut, deleted,
//! doubled, JSON-ish tokens inserted, sometimes gzip-compressed. Whatever
//! comes in, the reader must not panic and must answer with a checked file
//! or at least one problem in words. `make test` runs a short run; `make
//! fuzz` runs many more cases (TIMETHER_FUZZ_CASES).

use super::check::check;
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
        if let Err(problems) = checked(&bytes) {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(p.chars().any(char::is_alphabetic), "{p}");
            }
        }
    }
}
