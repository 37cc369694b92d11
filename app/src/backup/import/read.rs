//! Reading a backup file: plain or gzip (told apart by its first bytes),
//! parsed as it is read. Everything but the time entries is small and comes
//! back whole ([`Head`]); each entry is handed to a callback as it is
//! parsed, so a million entries never sit in memory at once.

use super::super::format::{self, Client, Counts, Invoice, Member, Project, Tag, TimeEntry};
use super::split::{Failure, Outer, Pos, Splitter};
use super::Problem;
use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::error::Category;
use std::cell::RefCell;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

/// The file without its time entries.
#[derive(Clone, Debug, Default)]
pub struct Head {
    pub exported_at: Option<DateTime<Utc>>,
    pub workspace: Option<format::Workspace>,
    pub counts: Counts,
    pub members: Vec<Member>,
    pub clients: Vec<Client>,
    pub projects: Vec<Project>,
    pub tags: Vec<Tag>,
    pub invoices: Vec<Invoice>,
    /// How many time entries were read.
    pub entries: u64,
}

const FIELDS: &[&str] = &[
    "format",
    "version",
    "exported_at",
    "workspace",
    "counts",
    "members",
    "clients",
    "projects",
    "tags",
    "time_entries",
    "invoices",
];

/// Opens `path` for reading; the flag says whether it starts with the
/// gzip magic bytes (whatever its name says). Unbuffered: the splitter
/// reads in large chunks.
fn open(path: &Path) -> Result<(std::fs::File, bool), Problem> {
    use std::io::Seek;
    let unreadable = |e: std::io::Error| Problem::file(format!("The file could not be read: {e}."));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(unreadable)?;
    file.rewind().map_err(unreadable)?;
    let gzip = n == 2 && magic == [0x1f, 0x8b];
    Ok((file, gzip))
}

/// Parses the file at `path`, calling `entry` with each time entry and its
/// index in order. The first error that stops parsing comes back as a
/// problem with its path in the document.
pub fn parse(path: &Path, entry: &mut dyn FnMut(usize, TimeEntry)) -> Result<Head, Problem> {
    let (file, gzip) = open(path)?;
    if gzip {
        parse_from(flate2::read::MultiGzDecoder::new(file), entry, true)
    } else {
        parse_from(file, entry, false)
    }
}

/// Serde reads the document through the splitter, which keeps the time
/// entries' elements back for [`Fast::elements`] (see `split`).
fn parse_from<R: Read>(
    src: R,
    entry: &mut dyn FnMut(usize, TimeEntry),
    gzip: bool,
) -> Result<Head, Problem> {
    let split = RefCell::new(Splitter::new(src));
    let failed = RefCell::new(None);
    let mut json =
        serde_json::Deserializer::from_reader(BufReader::with_capacity(64 << 10, Outer(&split)));
    let mut track = serde_path_to_error::Track::new();
    let fast = Fast {
        split: &split,
        failed: &failed,
        gzip,
    };
    let result = DocSeed {
        entry,
        fast: Some(&fast),
    }
    .deserialize(serde_path_to_error::Deserializer::new(
        &mut json, &mut track,
    ));
    let at = |e: &serde_json::Error| split.borrow().remap(e.line(), e.column());
    let head = match result {
        Ok(head) => head,
        Err(e) => {
            return Err(match failed.take() {
                Some(p) => p,
                None => explain(&e, &track.path().to_string(), gzip, at(&e)),
            });
        }
    };
    json.end().map_err(|e| explain(&e, ".", gzip, at(&e)))?;
    Ok(head)
}

/// The plain serde reading, element by element with the path tracked:
/// what the splitter must agree with (the fuzz tests compare them).
#[cfg(test)]
pub fn parse_plain(path: &Path, entry: &mut dyn FnMut(usize, TimeEntry)) -> Result<Head, Problem> {
    let (file, gzip) = open(path)?;
    let run = |reader: &mut dyn Read, entry: &mut dyn FnMut(usize, TimeEntry)| {
        let mut json = serde_json::Deserializer::from_reader(BufReader::new(reader));
        let mut track = serde_path_to_error::Track::new();
        let result = DocSeed::<std::fs::File> { entry, fast: None }.deserialize(
            serde_path_to_error::Deserializer::new(&mut json, &mut track),
        );
        let at = |e: &serde_json::Error| (e.line(), e.column());
        let head = result.map_err(|e| explain(&e, &track.path().to_string(), gzip, at(&e)))?;
        json.end().map_err(|e| explain(&e, ".", gzip, at(&e)))?;
        Ok(head)
    };
    if gzip {
        run(&mut flate2::read::MultiGzDecoder::new(file), entry)
    } else {
        run(&mut { file }, entry)
    }
}

/// The time entries taken from the splitter a slice at a time.
struct Fast<'a, R> {
    split: &'a RefCell<Splitter<R>>,
    failed: &'a RefCell<Option<Problem>>,
    gzip: bool,
}

impl<R: Read> Fast<'_, R> {
    fn elements(&self, entry: &mut dyn FnMut(usize, TimeEntry)) -> Result<u64, Problem> {
        let mut split = self.split.borrow_mut();
        let mut n = 0usize;
        loop {
            let (range, at) = match split.next_element() {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(f) => return Err(self.failure(&split, f)),
            };
            match serde_json::from_slice::<TimeEntry>(&split.buf()[range.clone()]) {
                Ok(e) => entry(n, e),
                Err(_) => {
                    // With the byte after it, which serde peeks at to end a
                    // number or a word (and counts in the position).
                    let bytes = split.with_next(range);
                    return Err(element_problem(bytes, n, at, self.gzip).0);
                }
            }
            n += 1;
        }
        Ok(n as u64)
    }

    fn failure(&self, split: &Splitter<R>, f: Failure) -> Problem {
        match f {
            Failure::Io(e) => io_problem(e, self.gzip),
            Failure::Eof(p) => eof_problem(&position(p.line, p.column)),
            Failure::Syntax(msg, p) => syntax_problem(msg, &position(p.line, p.column)),
            // What serde makes of the element as far as it goes is what it
            // would have said reading the whole file.
            Failure::Unfinished { n, range, at } => {
                element_problem(&split.buf()[range], n, at, self.gzip).0
            }
        }
    }
}

/// The problem with an element that did not parse: parsed again with its
/// path tracked, placed in the file; with serde's kind of error.
fn element_problem(bytes: &[u8], n: usize, at: Pos, gzip: bool) -> (Problem, Option<Category>) {
    // Read as a stream, as serde reads the whole file, so that it places
    // the error where it would have.
    let mut json = serde_json::Deserializer::from_reader(bytes);
    let mut track = serde_path_to_error::Track::new();
    let result = TimeEntry::deserialize(serde_path_to_error::Deserializer::new(
        &mut json, &mut track,
    ));
    let e = match result.map(|_| json.end()) {
        Err(e) | Ok(Err(e)) => e,
        Ok(Ok(())) => {
            return (
                Problem::at(format!("time_entries[{n}]"), "could not be read"),
                None,
            );
        }
    };
    let inner = track.path();
    let path = match inner.iter().next() {
        None => format!("time_entries[{n}]"),
        Some(serde_path_to_error::Segment::Seq { .. }) => format!("time_entries[{n}]{inner}"),
        Some(_) => format!("time_entries[{n}].{inner}"),
    };
    let place = if e.line() <= 1 {
        (at.line, at.column + e.column())
    } else {
        (at.line + e.line() - 1, e.column())
    };
    (explain(&e, &path, gzip, place), Some(e.classify()))
}

fn position(line: usize, column: usize) -> String {
    format!("line {line}, column {column}")
}

fn io_problem(e: impl fmt::Display, gzip: bool) -> Problem {
    if gzip {
        Problem::file(
            "The file could not be decompressed: it is not a valid .json.gz file, or it was cut off. Export the backup again.",
        )
    } else {
        Problem::file(format!("The file could not be read: {e}."))
    }
}

fn eof_problem(at: &str) -> Problem {
    Problem::file(format!(
        "The file ends too early ({at}): it looks cut off. Export the backup again."
    ))
}

fn syntax_problem(msg: &str, at: &str) -> Problem {
    Problem::file(format!("The file is not valid JSON ({msg}, {at})."))
}

/// A sentence for what stopped the parser at `place` (line, column).
/// `gzip`: the file is read through the decompressor, so a read error is
/// the compressed data's.
fn explain(e: &serde_json::Error, path: &str, gzip: bool, place: (usize, usize)) -> Problem {
    let at = position(place.0, place.1);
    let msg = e.to_string();
    let msg = msg.split(" at line").next().unwrap_or(&msg);
    match e.classify() {
        Category::Io => io_problem(msg, gzip),
        Category::Eof => eof_problem(&at),
        Category::Syntax if msg.contains("recursion limit") => {
            Problem::file(format!("The file nests too deeply to be a backup ({at})."))
        }
        Category::Syntax => syntax_problem(msg, &at),
        Category::Data => {
            if path.is_empty() || path == "." {
                Problem::file(format!("{msg} ({at})."))
            } else {
                Problem::at(path, format!("{msg} ({at})."))
            }
        }
    }
}

struct DocSeed<'a, R> {
    entry: &'a mut dyn FnMut(usize, TimeEntry),
    fast: Option<&'a Fast<'a, R>>,
}

impl<'de, R: Read> DeserializeSeed<'de> for DocSeed<'_, R> {
    type Value = Head;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Head, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: Read> Visitor<'de> for DocSeed<'_, R> {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Timether backup (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut head = Head::default();
        let mut seen = [false; FIELDS.len()];
        while let Some(key) = map.next_key::<String>()? {
            let Some(i) = FIELDS.iter().position(|f| *f == key) else {
                return Err(de::Error::unknown_field(&key, FIELDS));
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::custom(format!("`{key}` appears twice")));
            }
            match FIELDS[i] {
                "format" => {
                    let f: String = map.next_value()?;
                    if f != format::FORMAT {
                        return Err(de::Error::custom(
                            "this is not a Timether backup (its `format` is not \"timether-backup\")",
                        ));
                    }
                }
                "version" => {
                    let v: u64 = map.next_value()?;
                    if v != u64::from(format::VERSION) {
                        return Err(de::Error::custom(format!(
                            "this backup is version {v}; this Timether reads version {}. \
                             Update Timether to import it",
                            format::VERSION
                        )));
                    }
                }
                "exported_at" => head.exported_at = Some(map.next_value()?),
                "workspace" => head.workspace = Some(map.next_value()?),
                "counts" => head.counts = map.next_value()?,
                "members" => head.members = map.next_value()?,
                "clients" => head.clients = map.next_value()?,
                "projects" => head.projects = map.next_value()?,
                "tags" => head.tags = map.next_value()?,
                "invoices" => head.invoices = map.next_value()?,
                _ => {
                    head.entries = map.next_value_seed(Entries {
                        entry: &mut *self.entry,
                        fast: self.fast,
                    })?
                }
            }
        }
        for (i, f) in FIELDS.iter().enumerate() {
            if !seen[i] {
                return Err(de::Error::missing_field(f));
            }
        }
        Ok(head)
    }
}

struct Entries<'a, R> {
    entry: &'a mut dyn FnMut(usize, TimeEntry),
    fast: Option<&'a Fast<'a, R>>,
}

impl<'de, R: Read> DeserializeSeed<'de> for Entries<'_, R> {
    type Value = u64;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, R: Read> Visitor<'de> for Entries<'_, R> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of time entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        if let Some(fast) = self.fast.filter(|f| f.split.borrow().in_elements()) {
            let n = fast.elements(self.entry).map_err(|p| {
                let msg = p.to_string();
                *fast.failed.borrow_mut() = Some(p);
                de::Error::custom(msg)
            })?;
            // The splitter stopped before the `]`: serde reads it and on.
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::custom("the list of time entries did not end"));
            }
            return Ok(n);
        }
        let mut n = 0usize;
        while let Some(e) = seq.next_element::<TimeEntry>()? {
            (self.entry)(n, e);
            n += 1;
        }
        Ok(n as u64)
    }
}
